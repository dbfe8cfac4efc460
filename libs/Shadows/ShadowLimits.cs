namespace Pipeline.Shadows;

/// <summary>AWS IoT Core's documented shadow limits, which device firmware written for it expects.</summary>
public static class ShadowLimits
{
    /// <summary>Largest request payload and largest stored state (desired + reported), in bytes.</summary>
    public const int MaxDocumentBytes = 8 * 1024;

    /// <summary>Longest clientToken, in UTF-8 bytes.</summary>
    public const int MaxClientTokenBytes = 64;

    /// <summary>Deepest nesting of objects inside desired or reported.</summary>
    public const int MaxDepth = 6;
}
