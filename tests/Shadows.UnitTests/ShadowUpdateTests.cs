using static Pipeline.Shadows.UnitTests.ShadowTestHelpers;

namespace Pipeline.Shadows.UnitTests;

public sealed class ShadowUpdateTests
{
    [Fact]
    public void First_update_creates_the_shadow_at_version_1()
    {
        var result = Update(null, """{"state":{"reported":{"color":"green"}}}""");

        Assert.True(result.Accepted);
        Assert.Equal(1, result.Document!.Version);
        AssertJson("""{"color":"green"}""", result.Document.Reported);
    }

    [Fact]
    public void Every_accepted_update_increases_the_version_by_one()
    {
        var document = Build("""{"state":{"desired":{"a":1}}}""", """{"state":{"desired":{"a":2}}}""", """{"state":{"reported":{"a":2}}}""");

        Assert.Equal(3, document.Version);
    }

    [Fact]
    public void Nested_objects_merge_field_by_field()
    {
        var document = Build(
            """{"state":{"desired":{"light":{"color":"red","level":5},"fan":1}}}""",
            """{"state":{"desired":{"light":{"level":7}}}}""");

        AssertJson("""{"light":{"color":"red","level":7},"fan":1}""", document.Desired);
    }

    [Fact]
    public void Null_deletes_a_field_and_its_metadata()
    {
        var document = Build(
            """{"state":{"desired":{"light":{"color":"red","level":5},"fan":1}}}""",
            """{"state":{"desired":{"light":{"color":null},"fan":null}}}""");

        AssertJson("""{"light":{"level":5}}""", document.Desired);
        AssertJson("""{"light":{"level":{"timestamp":NOW}}}""", document.DesiredMetadata);
    }

    [Fact]
    public void Null_section_deletes_the_whole_section()
    {
        var document = Build(
            """{"state":{"desired":{"a":1},"reported":{"a":2}}}""",
            """{"state":{"desired":null}}""");

        Assert.Empty(document.Desired);
        AssertJson("""{"a":2}""", document.Reported);
    }

    [Fact]
    public void Metadata_records_the_update_time_of_every_leaf()
    {
        var document = Build(
            """{"state":{"desired":{"light":{"color":"red","level":5},"modes":[1,2]}}}""",
            """{"state":{"desired":{"light":{"level":7}}}}""");

        AssertJson("""
            {"light":{"color":{"timestamp":NOW},"level":{"timestamp":NOW+1}},
             "modes":[{"timestamp":NOW},{"timestamp":NOW}]}
            """, document.DesiredMetadata);
    }

    [Fact]
    public void Update_with_the_current_version_is_accepted()
    {
        var document = Build("""{"state":{"desired":{"a":1}}}""");

        var result = Update(document, """{"state":{"desired":{"a":2}},"version":1}""");

        Assert.True(result.Accepted);
        Assert.Equal(2, result.Document!.Version);
    }

    [Fact]
    public void Update_with_another_version_is_rejected_with_409_and_changes_nothing()
    {
        var document = Build("""{"state":{"desired":{"a":1}}}""", """{"state":{"desired":{"a":2}}}""");

        var result = Update(document, """{"state":{"desired":{"a":3}},"version":1,"clientToken":"t1"}""");

        Assert.False(result.Accepted);
        Assert.Null(result.Document);
        AssertJson("""{"code":409,"message":"Version conflict","timestamp":NOW,"clientToken":"t1"}""", result.Body("update/rejected"));
    }

    [Fact]
    public void Accepted_response_echoes_the_request_state_metadata_version_and_client_token()
    {
        var document = Build("""{"state":{"reported":{"a":1}}}""");

        var result = Update(document, """{"state":{"desired":{"a":2,"b":null}},"clientToken":"abc"}""");

        AssertJson("""
            {"state":{"desired":{"a":2,"b":null}},
             "metadata":{"desired":{"a":{"timestamp":NOW},"b":{"timestamp":NOW}}},
             "version":2,"timestamp":NOW,"clientToken":"abc"}
            """, result.Body("update/accepted"));
    }

    [Fact]
    public void Documents_message_carries_previous_and_current()
    {
        var document = Build("""{"state":{"reported":{"a":1}}}""");

        var result = Update(document, """{"state":{"desired":{"a":2}}}""", Now + 5);

        AssertJson("""
            {"previous":{"state":{"reported":{"a":1}},"metadata":{"reported":{"a":{"timestamp":NOW}}},"version":1},
             "current":{"state":{"desired":{"a":2},"reported":{"a":1}},
                        "metadata":{"desired":{"a":{"timestamp":NOW+5}},"reported":{"a":{"timestamp":NOW}}},"version":2},
             "timestamp":NOW+5}
            """, result.Body("update/documents"));
    }

    [Fact]
    public void Documents_message_of_a_new_shadow_has_null_previous()
    {
        var result = Update(null, """{"state":{"reported":{"a":1}}}""");

        Assert.Null(result.Body("update/documents")["previous"]);
    }

    [Fact]
    public void Update_after_delete_continues_the_version()
    {
        var document = Build("""{"state":{"desired":{"a":1}}}""", """{"state":{"desired":{"a":2}}}""");
        var deleted = ShadowEngine.Delete("s", document, [], Now).Document;

        var result = Update(deleted, """{"state":{"reported":{"b":1}}}""");

        Assert.Equal(3, result.Document!.Version);
        Assert.Empty(result.Document.Desired);
        Assert.Null(result.Body("update/documents")["previous"]);
    }
}
