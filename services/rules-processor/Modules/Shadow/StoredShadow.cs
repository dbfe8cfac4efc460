namespace Pipeline.RulesProcessor.Modules.Shadow;

/// <summary>
/// A shadow as kept in the writer's store: "@&lt;offset + 1 of the request last applied&gt;\n&lt;document JSON&gt;".
/// A value without the prefix (written before the offset was kept) reads as applied by no request.
/// </summary>
internal readonly record struct StoredShadow(long AppliedOffset, string? Json)
{
    public static StoredShadow Parse(string? stored)
    {
        if (stored is null || !stored.StartsWith('@'))
            return new(0, stored);
        var newline = stored.IndexOf('\n');
        return newline > 1 && long.TryParse(stored.AsSpan(1, newline - 1), out var offset)
            ? new(offset, stored[(newline + 1)..])
            : new(0, stored);
    }

    public static string Format(long appliedOffset, string json) => $"@{appliedOffset}\n{json}";
}
