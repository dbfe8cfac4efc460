using System.Security.Cryptography;
using System.Text;

namespace Pipeline.EmbeddedStack.ClickHouse.Http;

/// <summary>
/// The users the endpoint accepts. A lookup compares the given name and password with every user's
/// in constant time (SHA-256 digests, so lengths do not show either), so the time a refusal takes
/// says nothing about which part was wrong or how much of it matched.
/// </summary>
internal sealed class ClickHouseUsers
{
    private readonly (byte[] Name, byte[] Password, ClickHouseUser User)[] _users;

    public ClickHouseUsers(IEnumerable<ClickHouseUser> users)
    {
        ArgumentNullException.ThrowIfNull(users);
        var list = users.ToList();
        var duplicate = list.GroupBy(u => u.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ArgumentException($"The ClickHouse user '{duplicate.Key}' is listed twice.", nameof(users));
        _users = list.Select(u => (Digest(u.Name), Digest(u.Password), u)).ToArray();
    }

    public ClickHouseUser? Authenticate(string name, string password)
    {
        var givenName = Digest(name);
        var givenPassword = Digest(password);
        ClickHouseUser? match = null;
        foreach (var (userName, userPassword, user) in _users)
        {
            // Both comparisons always run, for every user: no early exit.
            var nameMatches = CryptographicOperations.FixedTimeEquals(userName, givenName);
            var passwordMatches = CryptographicOperations.FixedTimeEquals(userPassword, givenPassword);
            if (nameMatches & passwordMatches)
                match = user;
        }
        return match;
    }

    private static byte[] Digest(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));
}
