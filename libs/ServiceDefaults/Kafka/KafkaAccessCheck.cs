using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Pipeline.ServiceDefaults.Kafka;

/// <summary>
/// Before any other part of a service starts, asks the brokers for metadata with the configured credentials. A
/// refused SASL login or TLS handshake is then a start-up error naming the settings, instead of every client
/// retrying for ever with a warning now and then. Kafka being down is not an error here (the clients wait for it),
/// and PLAINTEXT has nothing to refuse, so it is not checked (no start-up cost for the embedded stack).
/// </summary>
public sealed class KafkaAccessCheck(KafkaClientFactory factory, ILogger<KafkaAccessCheck> logger) : IHostedService
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (factory.Options.SecurityProtocol == SecurityProtocol.Plaintext)
            return Task.CompletedTask;
        return VerifyAsync(factory, DefaultTimeout, logger, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Returns once the brokers answered or could not be reached in time; throws <see cref="KafkaAccessException"/> when they refused us.</summary>
    public static Task VerifyAsync(KafkaClientFactory factory, TimeSpan timeout, ILogger logger, CancellationToken cancellationToken) =>
        Task.Run(() => Verify(factory, timeout, logger, cancellationToken), cancellationToken);

    private static void Verify(KafkaClientFactory factory, TimeSpan timeout, ILogger logger, CancellationToken cancellationToken)
    {
        Error? refused = null;
        // A producer's error callbacks are served by its own poll thread as they happen: a refused login is reported
        // within milliseconds, while GetMetadata keeps waiting and librdkafka keeps retrying.
        using var producer = factory.CreateProducer<Null, Null>(factory.ProducerConfig("access-check"),
            b => b.SetErrorHandler((_, e) => { if (IsRefusal(e.Code)) refused ??= e; }));
        using var admin = new DependentAdminClientBuilder(producer.Handle).Build();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (refused is { } error)
                throw new KafkaAccessException(Describe(factory, error));
            try
            {
                // Short asks, so a refusal ends the wait soon (a blocked GetMetadata also holds up the clients' disposal).
                var answer = admin.GetMetadata(TimeSpan.FromMilliseconds(500));
                logger.LogInformation("Kafka {Kafka} accepted this service ({Brokers} broker(s))", factory.Options, answer.Brokers.Count);
                return;
            }
            catch (KafkaException e) when (IsRefusal(e.Error.Code))
            {
                throw new KafkaAccessException(Describe(factory, e.Error));
            }
            catch (KafkaException e) when (DateTime.UtcNow >= deadline)
            {
                if (refused is not null)
                    continue;
                logger.LogWarning("Kafka {Kafka} did not answer within {Timeout} s ({Reason}); starting anyway, the clients keep trying",
                    factory.Options, timeout.TotalSeconds, factory.Redact(e.Error.Reason));
                return;
            }
            catch (KafkaException)
            {
                // Not reachable yet: ask again until the deadline.
            }
        }
    }

    internal static bool IsRefusal(ErrorCode code) =>
        code is ErrorCode.Local_Authentication or ErrorCode.SaslAuthenticationFailed or ErrorCode.Local_Ssl
            or ErrorCode.ClusterAuthorizationFailed or ErrorCode.IllegalSaslState or ErrorCode.UnsupportedSaslMechanism;

    internal static string Describe(KafkaClientFactory factory, Error error)
    {
        var o = factory.Options;
        var reason = factory.Redact(error.Reason);
        return error.Code switch
        {
            ErrorCode.Local_Ssl =>
                $"The TLS handshake with Kafka ({o.BootstrapServers}) failed: check Kafka:SslCaLocation (the CA of the brokers' certificates)"
                + (o.SslCertificateLocation.Length > 0 ? ", Kafka:SslCertificateLocation, Kafka:SslKeyLocation and Kafka:SslKeyPassword" : "")
                + $". Kafka said: {reason}",
            ErrorCode.ClusterAuthorizationFailed =>
                $"Kafka ({o.BootstrapServers}) accepted Kafka:SaslUsername '{o.SaslUsername}' but does not allow it to describe the cluster: grant the ACLs in docs/operations.md. Kafka said: {reason}",
            _ =>
                $"Kafka ({o.BootstrapServers}) refused the login of Kafka:SaslUsername '{o.SaslUsername}' with Kafka:SaslMechanism {o.SaslMechanism}: "
                + $"check Kafka:SaslUsername and Kafka:SaslPassword (and that the broker offers that mechanism on this listener). Kafka said: {reason}",
        };
    }
}
