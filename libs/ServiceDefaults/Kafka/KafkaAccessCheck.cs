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
    public static async Task VerifyAsync(KafkaClientFactory factory, TimeSpan timeout, ILogger logger, CancellationToken cancellationToken)
    {
        var refused = new TaskCompletionSource<Error>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var admin = factory.CreateAdmin(factory.AdminConfig("access-check"),
            b => b.SetErrorHandler((_, e) => { if (IsRefusal(e.Code)) refused.TrySetResult(e); }));
        // GetMetadata blocks until the timeout while librdkafka retries a refused login; the error callback comes at once.
        var metadata = Task.Run(() => admin.GetMetadata(timeout), CancellationToken.None);
        var first = await Task.WhenAny(metadata, refused.Task).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (first == refused.Task)
            throw new KafkaAccessException(Describe(factory, refused.Task.Result));
        try
        {
            var answer = await metadata.ConfigureAwait(false);
            logger.LogInformation("Kafka {Kafka} accepted this service ({Brokers} broker(s))", factory.Options, answer.Brokers.Count);
        }
        catch (KafkaException e) when (IsRefusal(e.Error.Code))
        {
            throw new KafkaAccessException(Describe(factory, e.Error));
        }
        catch (KafkaException e)
        {
            if (refused.Task.IsCompleted)
                throw new KafkaAccessException(Describe(factory, refused.Task.Result));
            logger.LogWarning("Kafka {Kafka} did not answer within {Timeout} s ({Reason}); starting anyway, the clients keep trying",
                factory.Options, timeout.TotalSeconds, factory.Redact(e.Error.Reason));
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
