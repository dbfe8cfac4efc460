namespace Pipeline.Shadows;

public enum ShadowOperation
{
    Get,
    Update,
    Delete,
}

public static class ShadowOperationNames
{
    /// <summary>The MQTT topic segment of an operation ("get", "update", "delete").</summary>
    public static string TopicSegment(this ShadowOperation operation) => operation switch
    {
        ShadowOperation.Get => "get",
        ShadowOperation.Update => "update",
        ShadowOperation.Delete => "delete",
        _ => throw new ArgumentOutOfRangeException(nameof(operation), operation, "unknown shadow operation"),
    };

    public static bool TryParse(string segment, out ShadowOperation operation)
    {
        switch (segment)
        {
            case "get": operation = ShadowOperation.Get; return true;
            case "update": operation = ShadowOperation.Update; return true;
            case "delete": operation = ShadowOperation.Delete; return true;
            default: operation = default; return false;
        }
    }
}
