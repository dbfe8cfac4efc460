using Pipeline.Contracts;

namespace Pipeline.SinkWriter.IntegrationTests;

/// <summary>iot.shadows -> shadow_history: every accepted change of a classic or named shadow is one row for analysts.</summary>
public sealed class ShadowHistoryTests
{
    private static readonly TimeSpan RowsTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Each_shadow_change_lands_as_a_row_with_its_name_version_document_and_time()
    {
        await using var bed = new SinkTestBed();
        await using var sink = await bed.StartSinkAsync();
        const long t = 1_764_230_400;

        await bed.ProduceAsync(bed.Shadows, "dev-h", Document("", 1, """{"state":{"desired":{"color":"red"}}}""", t));
        await bed.ProduceAsync(bed.Shadows, "dev-h/config", Document("config", 1, """{"state":{"reported":{"mode":"eco"}}}""", t + 1));
        await bed.ProduceAsync(bed.Shadows, "dev-h", Document("", 2, """{"state":{"desired":{"color":"red"},"reported":{"color":"red"}}}""", t + 2));
        await bed.ProduceAsync(bed.Shadows, "dev-h/config", new ShadowDocument { DeviceId = "dev-h", ShadowName = "config", Version = 2, Deleted = true, Timestamp = t + 3 });
        await bed.ProduceRawAsync(bed.Shadows, "dev-h/config", null); // compaction's tombstone: no row

        await bed.WaitForCountAsync("shadow_history", 4, RowsTimeout);
        await SinkTestBed.WaitForNoLagAsync(sink, "shadow_history", RowsTimeout);
        var rows = await bed.QueryAsync(
            "SELECT name, version, JSONExtractString(document, 'state', 'desired', 'color'), JSONExtractString(document, 'state', 'reported', 'mode'), "
            + "document = '', toUnixTimestamp(ts) FROM shadow_history WHERE device_id = 'dev-h' ORDER BY name, version");
        Assert.Equal(
            [$"\t1\tred\t\t0\t{t}", $"\t2\tred\t\t0\t{t + 2}", $"config\t1\t\teco\t0\t{t + 1}", $"config\t2\t\t\t1\t{t + 3}"],
            rows.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private static ShadowDocument Document(string name, long version, string json, long timestamp) =>
        new() { DeviceId = "dev-h", ShadowName = name, Version = version, DocumentJson = json, Timestamp = timestamp };
}
