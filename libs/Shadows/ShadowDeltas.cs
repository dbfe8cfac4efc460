namespace Pipeline.Shadows;

/// <summary>Entry points for delivering a pending delta outside an update (e.g. a device that subscribes after reconnecting).</summary>
public static class ShadowDeltas
{
    /// <summary>The update/delta message for a stored document, or null when desired and reported agree.</summary>
    public static ShadowResponse? Pending(ShadowDocument? document, long nowSeconds) =>
        document is { Exists: true } && document.Delta.Count > 0 ? ShadowResponses.Delta(document, null, nowSeconds) : null;
}
