using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Pipeline.Shadows.UnitTests;

internal static class ShadowTestHelpers
{
    public const long Now = 1_764_230_400;

    public static ShadowResult Update(ShadowDocument? current, string json, long now = Now) =>
        ShadowEngine.Update(current, Encoding.UTF8.GetBytes(json), now);

    /// <summary>Applies updates in order, each one required to be accepted, and returns the final document.</summary>
    public static ShadowDocument Build(params string[] updates)
    {
        ShadowDocument? document = null;
        var now = Now;
        foreach (var update in updates)
        {
            var result = Update(document, update, now++);
            Assert.True(result.Accepted, result.Error?.Message);
            document = result.Document;
        }
        return document!;
    }

    public static JsonObject Body(this ShadowResult result, string suffix) =>
        JsonNode.Parse(Assert.Single(result.Responses, r => r.Suffix == suffix).Payload)!.AsObject();

    /// <summary>Compares JSON; "NOW" and "NOW+n" in <paramref name="expected"/> stand for <see cref="Now"/> (+ n seconds).</summary>
    public static void AssertJson(string expected, JsonNode? actual)
    {
        var json = Regex.Replace(expected, @"NOW(\+(\d+))?", m => (Now + (m.Groups[2].Success ? long.Parse(m.Groups[2].Value) : 0)).ToString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json), actual), $"expected {json}\nactual   {actual?.ToJsonString()}");
    }
}
