namespace Pipeline.Shadows;

/// <summary>A rejected shadow request with AWS IoT's error code and message text.</summary>
public sealed record ShadowError(int Code, string Message)
{
    public static ShadowError InvalidJson => new(400, "Invalid JSON");
    public static ShadowError MissingState => new(400, "Missing required node: state");
    public static ShadowError StateNotObject => new(400, "State node must be an object");
    public static ShadowError DesiredNotObject => new(400, "Desired node must be an object");
    public static ShadowError ReportedNotObject => new(400, "Reported node must be an object");
    public static ShadowError InvalidVersion => new(400, "Invalid version");
    public static ShadowError InvalidClientToken => new(400, "Invalid clientToken");
    public static ShadowError TooDeep => new(400, $"JSON contains too many levels of nesting; maximum is {ShadowLimits.MaxDepth}");
    public static ShadowError PayloadTooLarge => new(413, "The payload exceeds the maximum size allowed");
    public static ShadowError VersionConflict => new(409, "Version conflict");

    public static ShadowError InvalidStateNode(string name) => new(400, $"State contains an invalid node: '{name}'");
    public static ShadowError NotFound(string shadowName) => new(404, $"No shadow exists with name: '{shadowName}'");
}
