using static Pipeline.Shadows.UnitTests.ShadowTestHelpers;

namespace Pipeline.Shadows.UnitTests;

public sealed class ShadowDeltaTests
{
    [Fact]
    public void Delta_holds_desired_fields_that_differ_from_reported()
    {
        var document = Build("""{"state":{"desired":{"color":"red","fan":1,"mode":"eco"},"reported":{"color":"green","fan":1}}}""");

        AssertJson("""{"color":"red","mode":"eco"}""", document.Delta);
    }

    [Fact]
    public void Fields_only_in_reported_are_not_in_the_delta()
    {
        var document = Build("""{"state":{"desired":{"a":1},"reported":{"a":1,"uptime":99}}}""");

        Assert.Empty(document.Delta);
    }

    [Fact]
    public void Nested_objects_compare_field_by_field()
    {
        var document = Build("""{"state":{"desired":{"light":{"color":"red","level":5}},"reported":{"light":{"color":"red","level":3,"bulb":"led"}}}}""");

        AssertJson("""{"light":{"level":5}}""", document.Delta);
        AssertJson("""{"light":{"level":{"timestamp":NOW}}}""", document.DeltaMetadata);
    }

    [Fact]
    public void Arrays_compare_as_whole_values()
    {
        var document = Build("""{"state":{"desired":{"modes":[1,2]},"reported":{"modes":[1,2]}}}""");
        var changed = Update(document, """{"state":{"desired":{"modes":[2,1]}}}""").Document!;

        Assert.Empty(document.Delta);
        AssertJson("""{"modes":[2,1]}""", changed.Delta);
    }

    [Fact]
    public void A_desired_change_that_differs_publishes_the_delta_message()
    {
        var document = Build("""{"state":{"reported":{"color":"green","fan":1}}}""");

        var result = Update(document, """{"state":{"desired":{"color":"red","fan":1}},"clientToken":"c"}""");

        AssertJson("""
            {"state":{"color":"red"},"metadata":{"color":{"timestamp":NOW}},"version":2,"timestamp":NOW,"clientToken":"c"}
            """, result.Body("update/delta"));
    }

    [Fact]
    public void No_delta_message_when_desired_matches_reported()
    {
        var document = Build("""{"state":{"reported":{"color":"red"}}}""");

        var result = Update(document, """{"state":{"desired":{"color":"red"}}}""");

        Assert.DoesNotContain(result.Responses, r => r.Suffix == "update/delta");
    }

    [Fact]
    public void Reporting_the_desired_value_clears_the_delta()
    {
        var document = Build("""{"state":{"desired":{"color":"red"}}}""", """{"state":{"reported":{"color":"red"}}}""");

        Assert.Empty(document.Delta);
        Assert.Null(ShadowDeltas.Pending(document, Now));
    }

    [Fact]
    public void Pending_delta_is_available_for_a_device_that_was_offline()
    {
        var document = Build("""{"state":{"reported":{"color":"green"}}}""", """{"state":{"desired":{"color":"red"}}}""");

        var pending = ShadowDeltas.Pending(document, Now + 60);

        Assert.NotNull(pending);
        Assert.Equal("update/delta", pending.Suffix);
        AssertJson("""
            {"state":{"color":"red"},"metadata":{"color":{"timestamp":NOW+1}},"version":2,"timestamp":NOW+60}
            """, System.Text.Json.Nodes.JsonNode.Parse(pending.Payload));
    }
}
