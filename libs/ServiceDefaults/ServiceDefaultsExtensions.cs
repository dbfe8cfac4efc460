using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.Contracts;
using Pipeline.ServiceDefaults.Kafka;
using Prometheus;

namespace Pipeline.ServiceDefaults;

public static class ServiceDefaultsExtensions
{
    /// <summary>
    /// Configuration sources, validated connection options, single-line structured console
    /// logs, health checks, and the HTTP address for /healthz and /metrics.
    /// </summary>
    public static WebApplicationBuilder CreateServiceBuilder(string[] args, string defaultHttpUrl)
    {
        // Content root = the binary's folder, so its appsettings.json is found from any working directory.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddPipelineSources(args);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
            o.UseUtcTimestamp = true;
        });

        builder.Services.AddKafkaClients(KafkaServiceCollectionExtensions.ServiceName(builder.Environment.ApplicationName));
        builder.Services.AddValidatedOptions<ClickHouseOptions>(ClickHouseOptions.SectionName);
        builder.Services.AddOptions<KafkaTopics>().BindConfiguration(KafkaTopics.SectionName);
        builder.Services.AddValidatedOptions<ServiceHttpOptions>(ServiceHttpOptions.SectionName)
            .PostConfigure(o => o.Url = string.IsNullOrWhiteSpace(o.Url) ? defaultHttpUrl : o.Url);
        builder.Services.AddHealthChecks();
        builder.Services.AddHostedService<SupervisorWatch>();
        // Drain (flush producers, commit offsets) needs more than the default 30 s on a loaded box.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(45));

        var url = builder.Configuration[$"{ServiceHttpOptions.SectionName}:Url"];
        builder.WebHost.UseUrls(string.IsNullOrWhiteSpace(url) ? defaultHttpUrl : url);
        return builder;
    }

    /// <summary>
    /// /healthz answers 200 only when every registered check is healthy; /metrics is Prometheus text. Both stay open
    /// when a service requires sign-in elsewhere (the web console): supervisors and scrapers have no session.
    /// </summary>
    public static WebApplication MapServiceEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions
        {
            ResponseWriter = async (context, report) =>
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsJsonAsync(new
                {
                    status = report.Status.ToString(),
                    checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), e.Value.Description }),
                });
            },
        }).AllowAnonymous();
        app.MapMetrics("/metrics").AllowAnonymous();
        return app;
    }
}
