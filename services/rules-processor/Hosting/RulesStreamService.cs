using Confluent.Kafka;
using Confluent.SchemaRegistry;
using Microsoft.Extensions.Options;
using Pipeline.RulesProcessor.Hosting.Rebalancing;
using Pipeline.RulesProcessor.Replay;
using Pipeline.RulesProcessor.Serialization;
using Pipeline.RulesProcessor.Topology;
using Pipeline.ServiceDefaults;
using Pipeline.ServiceDefaults.Kafka;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Errors;
using Streamiz.Kafka.Net.SerDes;

namespace Pipeline.RulesProcessor.Hosting;

/// <summary>
/// Owns the <see cref="KafkaStream"/>: registers the output schemas, builds the topology, starts the
/// stream; on stop (SIGTERM, Ctrl-C) closes it, which finishes the records in hand and commits them.
/// When every stream thread has died (Streamiz's ERROR state, e.g. after Kafka was away long enough for
/// the thread to be fenced and then fail) the stream never recovers by itself, so the process ends with
/// exit code 70 and its supervisor (`up`, systemd, Kubernetes) starts it again; left alone it stayed up,
/// unhealthy and processing nothing. The same goes for a failure while a rebalance takes partitions away, after which
/// Streamiz's thread would stay asleep with the health check still RUNNING (<see cref="RevocationTolerantKafkaSupplier"/>).
/// </summary>
public sealed class RulesStreamService(
    RulesTopology topology,
    IOptions<RulesOptions> rulesOptions,
    KafkaClientFactory kafkaClients,
    IConfiguration configuration,
    RulesMetrics metrics,
    StreamStatus status,
    ILoggerFactory loggerFactory,
    IHostApplicationLifetime lifetime,
    ILogger<RulesStreamService> log) : IHostedService, IDisposable
{
    /// <summary>EX_SOFTWARE from sysexits.h: the stream failed and cannot go on in this process.</summary>
    public const int StreamFailedExitCode = 70;

    private volatile bool _failed;
    private CachedSchemaRegistryClient? _registry;
    private KafkaStream? _stream;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var rules = rulesOptions.Value;
        _registry = kafkaClients.CreateSchemaRegistryClient();
        var schemas = await RegistrySchemaCatalog.CreateAsync(_registry, topology.OutputTopics, cancellationToken);
        var stateDir = StateDirectory(rules);
        if (LocalState.PrepareForStart(stateDir, rules.ApplicationId, rules.Guarantee))
            log.LogWarning("The last run did not stop cleanly: local state in {StateDir} wiped, restoring it from the changelog topics", stateDir);
        if (MissingTopics.Find(kafkaClients, topology.AllTopics) is { Count: > 0 } missing)
            log.LogWarning("Kafka has no topic {Topics}; Streamiz will try to create them, which a broker without the CreateTopics API "
                + "(the embedded mock cluster) never does, and the stream then stays REBALANCING: create every topic --list-topics names "
                + "with the same configuration (Rules:Modules) first", string.Join(", ", missing));
        var config = StreamSettings.Create(rules, kafkaClients, stateDir, loggerFactory);
        var ledgers = new KafkaOutputLedgerSource(kafkaClients, log);
        log.LogInformation("Starting modules [{Modules}] as {ApplicationId} ({Guarantee}, {Threads} thread(s), state in {StateDir})",
            string.Join(", ", topology.Modules.Select(m => m.Name)), rules.ApplicationId, rules.Guarantee, rules.StreamThreads, config.StateDir);
        for (var attempt = 1; ; attempt++)
        {
            var clients = new RevocationTolerantKafkaSupplier(config, loggerFactory.CreateLogger<RevocationTolerantKafkaSupplier>(),
                _ => Fail("a rebalance could not take this processor's partitions cleanly"));
            _stream = new KafkaStream(topology.Build(schemas, metrics, ledgers), config, clients);
            _stream.StateChanged += OnStateChanged;
            try
            {
                await _stream.StartAsync(cancellationToken);
                return;
            }
            // Streamiz 1.8's global store reader seeks its partitions right after assigning them, which librdkafka
            // sometimes refuses ("Erroneous state": the partition is not fetchable yet). Nothing was read: a new
            // stream starts cleanly. Found by CI, where the processor then failed to start.
            catch (StreamsException e) when (attempt < MaxStartAttempts && e.InnerException is KafkaException { Error.Code: ErrorCode.Local_State })
            {
                log.LogWarning("The stream's global store reader could not position itself ({Reason}); starting the stream again ({Attempt}/{Max})",
                    e.InnerException.Message, attempt + 1, MaxStartAttempts);
                _stream.StateChanged -= OnStateChanged;
                _stream.Dispose();
                _stream = null;
            }
        }
    }

    private const int MaxStartAttempts = 3;

    private void OnStateChanged(KafkaStream.State old, KafkaStream.State now)
    {
        status.Set(now);
        log.LogInformation("Stream state {State}", now);
        if (now == KafkaStream.State.ERROR)
            Fail("every stream thread has died");
    }

    private void Fail(string reason)
    {
        if (_failed)
            return;
        _failed = true;
        log.LogCritical("The stream cannot go on in this process ({Reason}); stopping with exit code {ExitCode} so the supervisor starts the "
            + "processor again", reason, StreamFailedExitCode);
        Environment.ExitCode = StreamFailedExitCode;
        lifetime.StopApplication();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stream is null)
            return;
        log.LogInformation("Draining: closing the stream (commits what was processed)");
        // Close blocks until every stream thread has committed and stopped.
        await Task.Run(() => _stream.Dispose(), CancellationToken.None).WaitAsync(cancellationToken);
        _stream = null;
        // After a failure the stores may hold what was never committed: the next start treats them as unclean.
        if (!_failed)
            LocalState.MarkCleanShutdown(StateDirectory(rulesOptions.Value));
    }

    public void Dispose()
    {
        _stream?.Dispose();
        _registry?.Dispose();
    }

    private string StateDirectory(RulesOptions rules) =>
        Path.GetFullPath(string.IsNullOrWhiteSpace(rules.StateDir)
            ? Path.Combine(configuration["StateDir"] is { Length: > 0 } root ? root : ".pipeline", "rules-processor")
            : rules.StateDir);
}
