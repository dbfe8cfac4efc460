using System.Text.Json;
using Pipeline.Cli.Output;

namespace Pipeline.Cli.UnitTests;

/// <summary>`./pipeline query --format json`: what a script reads back.</summary>
public sealed class ResultWriterTests
{
    [Fact]
    public void Map_array_and_tuple_columns_are_json_objects_and_arrays_not_their_text_form()
    {
        var result = new QueryResult(
            ["device_id", "attributes", "values", "pair"],
            [["dev-1", new Dictionary<string, string> { ["site"] = "plant-1", ["model"] = "sim-1" }, new[] { 1.5, 2.0 }, Tuple.Create("a", 7L)]]);
        var output = new StringWriter();

        ResultWriter.For("json").Write(result, output);

        var row = JsonDocument.Parse(output.ToString()).RootElement[0];
        Assert.Equal("plant-1", row.GetProperty("attributes").GetProperty("site").GetString());
        Assert.Equal([1.5, 2.0], row.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal("a", row.GetProperty("pair")[0].GetString());
        Assert.Equal(7L, row.GetProperty("pair")[1].GetInt64());
        Assert.Equal("dev-1", row.GetProperty("device_id").GetString());
    }

    [Fact]
    public void The_table_and_csv_forms_still_print_a_map_as_text()
    {
        var result = new QueryResult(["attributes"], [[new Dictionary<string, string> { ["site"] = "plant-1" }]]);
        var output = new StringWriter();

        ResultWriter.For("csv").Write(result, output);

        Assert.Equal("attributes\n{site: plant-1}\n", output.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void A_statement_without_a_result_set_prints_ok_as_clickhouse_client_does()
    {
        var output = new StringWriter();

        ResultWriter.For("table").Write(new QueryResult([], []), output);

        Assert.Equal("Ok." + Environment.NewLine, output.ToString());
    }
}
