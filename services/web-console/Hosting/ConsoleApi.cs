using Pipeline.WebConsole.Data;

namespace Pipeline.WebConsole.Hosting;

/// <summary>
/// The JSON the pages' scripts poll (GET only, behind the same session as the pages): a device's chart points.
/// Charts get their data this way, never from script text built on the server.
/// </summary>
public static class ConsoleApi
{
    public static WebApplication MapConsoleApi(this WebApplication app)
    {
        app.MapGet("/api/devices/{deviceId}/telemetry", async (string deviceId, long? since, DeviceData data, CancellationToken ct) =>
        {
            if (!Pipeline.DeviceRegistry.DeviceIds.IsValid(deviceId))
                return Results.BadRequest(new { error = "Invalid device id." });
            var points = await data.TelemetryAsync(deviceId, since ?? 0, ct);
            return Results.Json(points.Select(p => new { metric = p.Metric, ts = p.TsMs, value = p.Value }));
        });
        return app;
    }
}
