using ClickHouse.Driver;
using Confluent.SchemaRegistry;
using Microsoft.Extensions.Options;
using Pipeline.ClickHouseSchema;
using Pipeline.Contracts;
using Pipeline.ServiceDefaults;
using Pipeline.ServiceDefaults.Kafka;
using Pipeline.ServiceDefaults.Kafka.Topics;
using Pipeline.SinkWriter.Consuming;
using Pipeline.SinkWriter.Kafka;
using Pipeline.SinkWriter.Observability;
using Pipeline.SinkWriter.Startup;

namespace Pipeline.SinkWriter;

public static class SinkWriterExtensions
{
    /// <summary>Everything the sink needs: options, ClickHouse client, rejection producer, migrations, one consumer service per destination.</summary>
    public static IServiceCollection AddSinkWriter(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<SinkWriterOptions>(SinkWriterOptions.SectionName)
            .Validate(o => o.BatchMaxAge > TimeSpan.Zero, "SinkWriter:BatchMaxAge must be positive.")
            .Validate(o => o.RetryBaseDelay > TimeSpan.Zero && o.RetryMaxDelay >= o.RetryBaseDelay,
                "SinkWriter:RetryBaseDelay must be positive and RetryMaxDelay at least as long.")
            .Validate(o => o.InsertTimeout > TimeSpan.Zero && o.DrainTimeout > TimeSpan.Zero, "SinkWriter:InsertTimeout and DrainTimeout must be positive.")
            .Validate(o => o.MaxBufferedBytes >= 2L * o.BatchMaxBytes, "SinkWriter:MaxBufferedBytes must hold at least two full batches (2 x BatchMaxBytes).")
            .Validate(o => o.Destinations.All(d => SinkWriterOptions.AllDestinations.Contains(d)),
                $"SinkWriter:Destinations may only name {string.Join(", ", SinkWriterOptions.AllDestinations)}.");

        services.AddSingleton<IClickHouseClient>(sp => new ClickHouseClient(sp.GetRequiredService<IOptions<ClickHouseOptions>>().Value.ConnectionString));
        services.AddSingleton<ISchemaRegistryClient>(sp =>
            sp.GetRequiredService<KafkaClientFactory>().CreateSchemaRegistryClient());
        services.AddSingleton(sp => new RejectionPublisher(
            sp.GetRequiredService<KafkaClientFactory>(),
            sp.GetRequiredService<ISchemaRegistryClient>(),
            sp.GetRequiredService<IOptions<KafkaTopics>>().Value.Rejected));
        services.AddSingleton<SinkMetrics>();
        services.AddSingleton<SinkHealth>();
        services.AddSingleton<SinkLoopFactory>();
        services.AddHealthChecks().AddCheck<SinkHealth>("sink-writer");

        // Hosted services start in registration order: the schema is in place before any consumer starts.
        services.AddHostedService<SchemaMigrationService>();
        var selected = configuration.GetSection($"{SinkWriterOptions.SectionName}:{nameof(SinkWriterOptions.Destinations)}").Get<string[]>() ?? [];
        foreach (var destination in SinkDestination.All.Where(d => selected.Length == 0 || selected.Contains(d.Name)))
            services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<SinkConsumerService>(sp, destination));
        // Checked at start (exit 78 when missing, or a changelog it copies not compacted): the topics it consumes and iot.rejected.
        services.AddTopicNeeds(sp =>
        {
            var t = sp.GetRequiredService<IOptions<KafkaTopics>>().Value;
            return TopicNeed.Existing(t, SinkDestination.All.Where(d => selected.Length == 0 || selected.Contains(d.Name)).Select(d => d.Topic(t)).Append(t.Rejected));
        });
        return services;
    }

    /// <summary>
    /// Runs the host; a database newer than this build, or ClickHouse or Kafka credentials refused, end the process with
    /// exit code 78 (configuration error) and the reason logged, like an invalid setting.
    /// </summary>
    public static Task<int> RunSinkWriterAsync(this WebApplication app) =>
        app.RunServiceAsync(e => e is SchemaTooNewException or ClickHouseAccessException);
}
