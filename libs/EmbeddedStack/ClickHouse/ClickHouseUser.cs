namespace Pipeline.EmbeddedStack.ClickHouse;

/// <summary>What a user of the embedded ClickHouse may do (the same three users production has, docs/operations.md).</summary>
public enum ClickHouseRole
{
    /// <summary>Read-only: SELECT, SHOW, DESCRIBE, EXISTS (what `./pipeline query` uses).</summary>
    Analyst,

    /// <summary>INSERT and SELECT: the sink-writer.</summary>
    Sink,

    /// <summary>DDL as well: schema migrations (`./pipeline migrate`, `up` at start).</summary>
    Migrator,
}

/// <summary>A user the embedded ClickHouse endpoint accepts. <see cref="ToString"/> never shows the password.</summary>
public sealed class ClickHouseUser
{
    public ClickHouseUser(string name, string password, ClickHouseRole role)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        // An empty password would let anyone who can reach the loopback port in; the endpoint has no password-less user.
        ArgumentException.ThrowIfNullOrEmpty(password);
        Name = name;
        Password = password;
        Role = role;
    }

    public string Name { get; }

    public string Password { get; }

    public ClickHouseRole Role { get; }

    public override string ToString() => $"{Name} ({Role})";
}
