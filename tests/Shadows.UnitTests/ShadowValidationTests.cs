using System.Text;
using static Pipeline.Shadows.UnitTests.ShadowTestHelpers;

namespace Pipeline.Shadows.UnitTests;

public sealed class ShadowValidationTests
{
    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2]")]
    [InlineData("")]
    public void Malformed_json_is_rejected_with_400(string payload)
    {
        var result = Update(null, payload);

        Assert.Equal(400, result.Error!.Code);
        AssertJson("""{"code":400,"message":"Invalid JSON","timestamp":NOW}""", result.Body("update/rejected"));
    }

    [Theory]
    [InlineData("""{"desired":{"a":1}}""", "Missing required node: state")]
    [InlineData("""{"state":5}""", "State node must be an object")]
    [InlineData("""{"state":{"desired":5}}""", "Desired node must be an object")]
    [InlineData("""{"state":{"reported":"x"}}""", "Reported node must be an object")]
    [InlineData("""{"state":{"delta":{"a":1}}}""", "State contains an invalid node: 'delta'")]
    [InlineData("""{"state":{"desired":{"a":1}},"version":"1"}""", "Invalid version")]
    [InlineData("""{"state":{"desired":{"a":1}},"version":1.5}""", "Invalid version")]
    [InlineData("""{"state":{"desired":{"a":1}},"clientToken":7}""", "Invalid clientToken")]
    [InlineData("""{"state":{"desired":{"a":{"b":{"c":{"d":{"e":{"f":{"g":1}}}}}}}}}""", "JSON contains too many levels of nesting; maximum is 6")]
    public void Invalid_update_requests_are_rejected_with_400_and_a_specific_message(string payload, string message)
    {
        var result = Update(null, payload);

        Assert.Equal(new ShadowError(400, message), result.Error);
        Assert.Null(result.Document);
    }

    [Fact]
    public void Client_token_of_64_bytes_is_echoed()
    {
        var token = new string('t', 64);

        var result = Update(null, """{"state":{"reported":{"a":1}},"clientToken":"TOKEN"}""".Replace("TOKEN", token));

        Assert.Equal(token, result.Body("update/accepted")["clientToken"]!.GetValue<string>());
        Assert.Equal(token, result.Body("update/documents")["clientToken"]!.GetValue<string>());
    }

    [Fact]
    public void Client_token_over_64_bytes_is_rejected()
    {
        var token = new string('é', 33); // 66 UTF-8 bytes in 33 characters

        var result = Update(null, """{"state":{"reported":{"a":1}},"clientToken":"TOKEN"}""".Replace("TOKEN", token));

        Assert.Equal(ShadowError.InvalidClientToken, result.Error);
    }

    [Fact]
    public void Request_over_8_KiB_is_rejected_with_413()
    {
        var payload = """{"state":{"reported":{"blob":"BLOB"}}}""".Replace("BLOB", new string('x', 8200));

        var result = ShadowEngine.Update(null, Encoding.UTF8.GetBytes(payload), Now);

        AssertJson("""{"code":413,"message":"The payload exceeds the maximum size allowed","timestamp":NOW}""", result.Body("update/rejected"));
    }

    [Fact]
    public void Document_growing_over_8_KiB_is_rejected_with_413_and_unchanged()
    {
        var half = new string('x', 4200);
        var document = Build("""{"state":{"reported":{"a":"HALF"}}}""".Replace("HALF", half));

        var result = Update(document, """{"state":{"desired":{"b":"HALF"}},"clientToken":"big"}""".Replace("HALF", half));

        Assert.Equal(413, result.Error!.Code);
        Assert.Null(result.Document);
        Assert.Equal("big", result.Body("update/rejected")["clientToken"]!.GetValue<string>());
    }
}
