using System.Text;
using Pipeline.Contracts;
using Pipeline.SinkWriter.Mapping;

namespace Pipeline.SinkWriter.UnitTests;

public sealed class RuleRowConverterTests
{
    private readonly RuleRowConverter _converter = new();

    [Fact]
    public void An_envelope_becomes_one_row_with_its_table_json_rule_action_and_device()
    {
        var rows = new List<object[]>();

        var conversion = _converter.Convert(Encoding.UTF8.GetBytes(
            """{"rule":"hot","version":2,"action":1,"deviceId":"dev-1","table":"iot.hot","row":{"t":35,"site":"north"}}"""), rows);

        Assert.Equal(1, conversion.RowCount);
        Assert.Equal(["iot.hot", """{"t":35,"site":"north"}""", "hot", 1, "dev-1"], Assert.Single(rows));
    }

    [Theory]
    [InlineData("""{"rule":"r","action":1,"table":"hot; DROP TABLE x","row":{}}""", RejectedMessage.Types.Reason.RuleActionFailed)]
    [InlineData("""{"rule":"r","action":1,"table":"iot.hot","row":[1]}""", RejectedMessage.Types.Reason.RuleActionFailed)]
    [InlineData("""{"rule":"r"}""", RejectedMessage.Types.Reason.Undeserializable)]
    [InlineData("not json", RejectedMessage.Types.Reason.Undeserializable)]
    public void An_envelope_that_names_no_plain_table_or_carries_no_object_is_rejected_not_inserted(string json, RejectedMessage.Types.Reason reason)
    {
        var rows = new List<object[]>();

        var conversion = _converter.Convert(Encoding.UTF8.GetBytes(json), rows);

        Assert.Equal(reason, conversion.Reason);
        Assert.Empty(rows);
    }
}
