using System.Text;
using static Pipeline.Shadows.UnitTests.ShadowTestHelpers;

namespace Pipeline.Shadows.UnitTests;

public sealed class ShadowGetDeleteTests
{
    [Fact]
    public void Get_returns_state_with_delta_metadata_version_and_client_token()
    {
        var document = Build("""{"state":{"desired":{"color":"red"},"reported":{"color":"green"}}}""");

        var result = ShadowEngine.Get("dev-1", document, """{"clientToken":"g"}"""u8, Now + 9);

        AssertJson("""
            {"state":{"desired":{"color":"red"},"reported":{"color":"green"},"delta":{"color":"red"}},
             "metadata":{"desired":{"color":{"timestamp":NOW}},"reported":{"color":{"timestamp":NOW}}},
             "version":1,"timestamp":NOW+9,"clientToken":"g"}
            """, result.Body("get/accepted"));
        Assert.Null(result.Document);
    }

    [Fact]
    public void Get_accepts_an_empty_payload()
    {
        var document = Build("""{"state":{"reported":{"a":1}}}""");

        Assert.True(ShadowEngine.Get("dev-1", document, [], Now).Accepted);
    }

    [Fact]
    public void Get_of_a_missing_shadow_is_rejected_with_404()
    {
        var result = ShadowEngine.Get("dev-1", null, """{"clientToken":"x"}"""u8, Now);

        AssertJson("""{"code":404,"message":"No shadow exists with name: 'dev-1'","timestamp":NOW,"clientToken":"x"}""", result.Body("get/rejected"));
    }

    [Fact]
    public void Delete_answers_with_version_and_leaves_the_shadow_missing()
    {
        var document = Build("""{"state":{"reported":{"a":1}}}""", """{"state":{"reported":{"a":2}}}""");

        var result = ShadowEngine.Delete("dev-1", document, """{"clientToken":"d"}"""u8, Now);

        AssertJson("""{"version":2,"timestamp":NOW,"clientToken":"d"}""", result.Body("delete/accepted"));
        Assert.False(result.Document!.Exists);
        Assert.Equal(404, ShadowEngine.Get("dev-1", result.Document, [], Now).Error!.Code);
    }

    [Fact]
    public void Delete_of_a_missing_shadow_is_rejected_with_404()
    {
        Assert.Equal(404, ShadowEngine.Delete("dev-1", null, [], Now).Error!.Code);
    }

    [Fact]
    public void Delete_with_another_version_is_rejected_with_409()
    {
        var document = Build("""{"state":{"reported":{"a":1}}}""");

        Assert.Equal(ShadowError.VersionConflict, ShadowEngine.Delete("dev-1", document, """{"version":5}"""u8, Now).Error);
    }

    [Fact]
    public void Stored_form_round_trips_including_a_deleted_shadow()
    {
        var document = Build("""{"state":{"desired":{"l":{"c":"red"}},"reported":{"l":{"c":"blue"}}}}""");
        var deleted = ShadowEngine.Delete("s", document, [], Now).Document!;

        var restored = ShadowDocument.FromStoredJson(document.ToStoredJson());
        var restoredDeleted = ShadowDocument.FromStoredJson(deleted.ToStoredJson());

        AssertJson(document.ToJson().ToJsonString(), restored.ToJson());
        Assert.False(restoredDeleted.Exists);
        Assert.Equal(1, restoredDeleted.Version);
    }

    [Fact]
    public void Handle_dispatches_by_operation()
    {
        var result = ShadowEngine.Handle(ShadowOperation.Update, "s", null, Encoding.UTF8.GetBytes("""{"state":{"reported":{"a":1}}}"""), Now);

        Assert.Equal(["update/accepted", "update/documents"], result.Responses.Select(r => r.Suffix));
    }
}
