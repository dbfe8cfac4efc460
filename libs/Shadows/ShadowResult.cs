namespace Pipeline.Shadows;

/// <summary>One message for the device: <paramref name="Suffix"/> is relative to the shadow's topic prefix, e.g. "update/accepted".</summary>
public sealed record ShadowResponse(string Suffix, string Payload);

/// <summary>
/// The outcome of one request. <see cref="Document"/> is the new stored state when the request
/// changed it (update, delete), otherwise null.
/// </summary>
public sealed record ShadowResult(ShadowError? Error, ShadowDocument? Document, IReadOnlyList<ShadowResponse> Responses)
{
    public bool Accepted => Error is null;
}
