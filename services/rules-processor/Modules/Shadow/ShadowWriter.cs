using Google.Protobuf;
using Pipeline.Contracts;
using Pipeline.RulesProcessor.Serialization;
using Pipeline.Shadows;
using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.State;
using ContractDocument = Pipeline.Contracts.ShadowDocument;
using EngineDocument = Pipeline.Shadows.ShadowDocument;
using ShadowResponse = Pipeline.Contracts.ShadowResponse;

namespace Pipeline.RulesProcessor.Modules.Shadow;

/// <summary>
/// Applies one shadow request to the stored document. Requests of a device arrive in order on one task,
/// so concurrent updates from the device and an application are serialised and versions never fork.
/// </summary>
/// <remarks>
/// The stored value carries the offset of the request last applied (<see cref="StoredShadow"/>), so a request
/// replayed after a crash is not applied a second time (a version counted twice); the replay of exactly that request
/// publishes its document again, since the store can reach its changelog while the document does not reach Kafka
/// (the document topic drops it if it did, <see cref="Topology.ModuleContext.WriteOnce{T}"/>). Its answers to the
/// device are not repeated: a device that missed one asks with get.
/// </remarks>
internal sealed class ShadowWriter(string storeName, Func<DateTimeOffset> clock)
    : ITransformer<string, Decoded<ShadowRequest>, string, ShadowOutcome>
{
    private IKeyValueStore<string, string> _documents = null!;

    public void Init(ProcessorContext<string, ShadowOutcome> context) =>
        _documents = (IKeyValueStore<string, string>)context.GetStateStore(storeName);

    public Record<string, ShadowOutcome> Process(Record<string, Decoded<ShadowRequest>> record)
    {
        // An unreadable request or one filed under another device's key has no device to answer: dropped.
        if (record.Value.Value is not { } request || string.IsNullOrEmpty(request.DeviceId) || request.DeviceId != record.Key)
            return null!;
        var operation = request.Operation switch
        {
            ShadowRequest.Types.Operation.Get => ShadowOperation.Get,
            ShadowRequest.Types.Operation.Update => ShadowOperation.Update,
            ShadowRequest.Types.Operation.Delete => ShadowOperation.Delete,
            _ => (ShadowOperation?)null,
        };
        if (operation is null)
            return null!;

        var now = clock();
        var key = ShadowKeys.Document(request.DeviceId, request.ShadowName);
        var self = record.TopicPartitionOffset.Offset.Value + 1;
        var stored = StoredShadow.Parse(_documents.Get(key));
        var current = stored.Json is null ? null : EngineDocument.FromStoredJson(stored.Json);
        if (self <= stored.AppliedOffset)
            return self == stored.AppliedOffset && current is not null
                ? Record<string, ShadowOutcome>.Create(record.Key, new ShadowOutcome([], ToContract(request, current)))
                : null!;
        var displayName = request.ShadowName.Length == 0 ? request.DeviceId : request.ShadowName;
        var result = ShadowEngine.Handle(operation.Value, displayName, current, request.Payload.Span, now.ToUnixTimeSeconds());

        ContractDocument? document = null;
        if (result.Document is { } next)
        {
            _documents.Put(key, StoredShadow.Format(self, next.ToStoredJson()));
            document = ToContract(request, next);
        }
        var responses = result.Responses.Select(r => new ShadowResponse
        {
            DeviceId = request.DeviceId,
            ShadowName = request.ShadowName,
            Topic = ShadowKeys.Topic(request.DeviceId, request.ShadowName, r.Suffix),
            Payload = ByteString.CopyFromUtf8(r.Payload),
            RequestId = request.RequestId,
            ReplyTo = request.ReplyTo,
            CreatedTsMs = now.ToUnixTimeMilliseconds(),
        }).ToList();
        return Record<string, ShadowOutcome>.Create(record.Key, new ShadowOutcome(responses, document));
    }

    public void Close()
    {
    }

    private static ContractDocument ToContract(ShadowRequest request, EngineDocument document) => new()
    {
        DeviceId = request.DeviceId,
        ShadowName = request.ShadowName,
        Version = document.Version,
        DocumentJson = document.Exists ? document.ToJson().ToJsonString() : "",
        Timestamp = document.Timestamp,
        Deleted = !document.Exists,
    };
}
