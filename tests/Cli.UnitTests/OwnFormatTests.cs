using Pipeline.Cli.Output;

namespace Pipeline.Cli.UnitTests;

/// <summary>`./pipeline query`: which queries print ClickHouse's own output as it comes (the driver cannot read it).</summary>
public sealed class OwnFormatTests
{
    [Theory]
    [InlineData("SELECT 1 FORMAT JSONEachRow")]
    [InlineData("select 1 format Vertical;")]
    [InlineData("SELECT 1 SETTINGS max_threads = 1 FORMAT TSV")]
    [InlineData("SELECT 1 FORMAT TSV SETTINGS max_threads = 1")]
    [InlineData("SELECT 1 FORMAT CSV SETTINGS format_csv_delimiter = ';', max_threads = 2;")]
    [InlineData("SELECT device_id\nFROM iot.telemetry\nFORMAT PrettyCompact\n")]
    public void A_query_ending_in_its_own_format_is_printed_as_sent(string sql) => Assert.True(OwnFormat.IsChosenIn(sql), sql);

    [Theory]
    [InlineData("SELECT 1")]
    [InlineData("SELECT format FROM t")]
    [InlineData("SELECT 1 SETTINGS max_threads = 1")]
    [InlineData("SELECT * FROM iot.events WHERE body = 'FORMAT JSON'")]
    [InlineData("SELECT formatReadableSize(1) AS size")]
    public void Any_other_query_is_read_by_the_driver_and_printed_as_a_table(string sql) => Assert.False(OwnFormat.IsChosenIn(sql), sql);
}
