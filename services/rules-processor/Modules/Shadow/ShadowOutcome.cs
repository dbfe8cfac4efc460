using Pipeline.Contracts;

namespace Pipeline.RulesProcessor.Modules.Shadow;

/// <summary>What one request produced: the device messages and, when the shadow changed, its new document.</summary>
public sealed record ShadowOutcome(IReadOnlyList<ShadowResponse> Responses, ShadowDocument? Document);
