using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Pipeline.EmbeddedStack.IntegrationTests.SchemaRegistry;

/// <summary>
/// The REST API itself, as curl and other clients see it: Confluent's error bodies and content type,
/// deletes, the calls the .NET client does not make.
/// </summary>
public sealed class SchemaRegistryRestApiTests : IAsyncLifetime
{
    private const string MediaType = "application/vnd.schemaregistry.v1+json";
    private Pipeline.EmbeddedStack.SchemaRegistry.EmbeddedSchemaRegistry _registry = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _registry = await PrivateRegistry.StartAsync();
        _http = new HttpClient { BaseAddress = new Uri(_registry.Url + "/") };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        Assert.Equal(0, _registry.ServerErrorCount);
        await _registry.DisposeAsync();
    }

    [Fact]
    public async Task Errors_are_Confluent_bodies_with_the_registry_media_type()
    {
        await ExpectError(await _http.GetAsync("subjects/nope/versions"), 404, 40401, "Subject 'nope' not found.");
        await Register("s1", Schemas.UniqueProto("errors"));
        await ExpectError(await _http.GetAsync("subjects/s1/versions/7"), 404, 40402, "Version 7 not found.");
        await ExpectError(await _http.GetAsync("subjects/s1/versions/zero"), 422, 42202, null);
        await ExpectError(await _http.GetAsync("schemas/ids/999"), 404, 40403, "Schema 999 not found");
        await ExpectError(await Post("subjects/s1/versions", new JsonObject { ["schemaType"] = "PROTOBUF", ["schema"] = "message M {" }), 422, 42201, null);
        await ExpectError(await Post("subjects/s1/versions", new JsonObject { ["schema"] = "{not avro json" }), 422, 42201, null);
        await ExpectError(await Post("subjects/s1/versions", new JsonObject { ["schemaType"] = "XML", ["schema"] = "<a/>" }), 422, 42201, null);
        await ExpectError(await _http.PutAsync("config/s1", Json(new JsonObject { ["compatibility"] = "SIDEWAYS" })), 422, 42203, null);
        await ExpectError(await _http.PostAsync("subjects/s1/versions", new StringContent("{oops", null, MediaType)), 400, 400, null);
        await ExpectError(await _http.GetAsync("no/such/path"), 404, 404, null);
    }

    [Fact]
    public async Task Register_answers_the_id_and_a_repeat_answers_the_same()
    {
        var first = await Register("repeat-value", Schemas.UniqueProto("repeat"));
        var again = await Register("repeat-value", Schemas.UniqueProto("repeat"));

        Assert.Equal(first["id"]!.GetValue<int>(), again["id"]!.GetValue<int>());
        Assert.Equal(1, again["version"]!.GetValue<int>());
        Assert.Equal("[1]", await _http.GetStringAsync("subjects/repeat-value/versions"));
        var versions = JsonNode.Parse(await _http.GetStringAsync($"schemas/ids/{first["id"]}/versions"))!.AsArray();
        Assert.Equal("repeat-value", Assert.Single(versions)!["subject"]!.GetValue<string>());
    }

    [Fact]
    public async Task Normalize_matches_the_same_proto_written_differently()
    {
        var tidy = "syntax = \"proto3\";\nmessage N {\n  string id = 1; // the id\n}\n";
        var messy = "syntax=\"proto3\";   /* same thing */ message N{string id=1;}";
        var registered = await Register("norm-value", tidy, normalize: true);

        var lookup = await _http.PostAsync("subjects/norm-value?normalize=true",
            Json(new JsonObject { ["schemaType"] = "PROTOBUF", ["schema"] = messy }));
        Assert.Equal(HttpStatusCode.OK, lookup.StatusCode);
        Assert.Equal(registered["id"]!.GetValue<int>(), JsonNode.Parse(await lookup.Content.ReadAsStringAsync())!["id"]!.GetValue<int>());

        var notNormalized = await _http.PostAsync("subjects/norm-value", Json(new JsonObject { ["schemaType"] = "PROTOBUF", ["schema"] = messy }));
        await ExpectError(notNormalized, 404, 40403, "Schema not found");
    }

    [Fact]
    public async Task Soft_then_permanent_delete_like_Confluent()
    {
        await Register("del-value", Schemas.UniqueProto("del1"));
        await Register("del-value", Schemas.UniqueProto("del2"));

        Assert.Equal("2", await (await _http.DeleteAsync("subjects/del-value/versions/latest")).Content.ReadAsStringAsync());
        Assert.Equal("[1]", await _http.GetStringAsync("subjects/del-value/versions"));
        Assert.Equal("[1,2]", await _http.GetStringAsync("subjects/del-value/versions?deleted=true"));
        await ExpectError(await _http.DeleteAsync("subjects/del-value/versions/1?permanent=true"), 404, 40407, null);

        Assert.Equal("[1]", await (await _http.DeleteAsync("subjects/del-value")).Content.ReadAsStringAsync());
        Assert.DoesNotContain("del-value", await _http.GetStringAsync("subjects"));
        Assert.Contains("del-value", await _http.GetStringAsync("subjects?deleted=true"));
        await ExpectError(await _http.DeleteAsync("subjects/del-value"), 404, 40404, null);

        Assert.Equal("[1,2]", await (await _http.DeleteAsync("subjects/del-value?permanent=true")).Content.ReadAsStringAsync());
        await ExpectError(await _http.GetAsync("subjects/del-value/versions?deleted=true"), 404, 40401, null);
    }

    [Fact]
    public async Task Subjects_with_a_slash_and_the_remaining_read_calls()
    {
        var registered = await Register("team/a:b-value", Schemas.UniqueProto("slash"));
        var id = registered["id"]!.GetValue<int>();

        Assert.Contains("team/a:b-value", await _http.GetStringAsync("subjects"));
        var latest = JsonNode.Parse(await _http.GetStringAsync("subjects/team%2Fa%3Ab-value/versions/latest"))!;
        Assert.Equal(("team/a:b-value", id, "PROTOBUF"), (latest["subject"]!.GetValue<string>(), latest["id"]!.GetValue<int>(), latest["schemaType"]!.GetValue<string>()));
        Assert.Equal(Schemas.UniqueProto("slash"), await _http.GetStringAsync("subjects/team%2Fa%3Ab-value/versions/1/schema"));
        Assert.Equal("[\"team/a:b-value\"]", await _http.GetStringAsync($"schemas/ids/{id}/subjects"));
        var byId = JsonNode.Parse(await _http.GetStringAsync($"schemas/ids/{id}?subject=team%2Fa%3Ab-value&format=serialized"))!;
        Assert.Equal(Schemas.UniqueProto("slash"), byId["schema"]!.GetValue<string>());
        Assert.Equal("{\"mode\":\"READWRITE\"}", await _http.GetStringAsync("mode"));
        Assert.Equal("{\"compatibilityLevel\":\"BACKWARD\"}", await _http.GetStringAsync("config"));
        await ExpectError(await _http.GetAsync("config/team%2Fa%3Ab-value"), 404, 40408, null);
        Assert.Equal("{\"compatibilityLevel\":\"BACKWARD\"}", await _http.GetStringAsync("config/team%2Fa%3Ab-value?defaultToGlobal=true"));
        var check = await _http.PostAsync("compatibility/subjects/team%2Fa%3Ab-value/versions/latest?verbose=true",
            Json(new JsonObject { ["schemaType"] = "PROTOBUF", ["schema"] = Schemas.UniqueProto("next") }));
        Assert.Equal("{\"is_compatible\":true,\"messages\":[]}", await check.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Avro_schemas_leave_out_schemaType_as_Confluent_does()
    {
        var registered = await Register("avro-value", "{\"type\":\"string\"}", type: null);
        var byId = JsonNode.Parse(await _http.GetStringAsync($"schemas/ids/{registered["id"]}"))!.AsObject();
        Assert.False(byId.ContainsKey("schemaType"));
        Assert.Equal("{\"type\":\"string\"}", byId["schema"]!.GetValue<string>());
    }

    private async Task<JsonNode> Register(string subject, string schema, bool normalize = false, string? type = "PROTOBUF")
    {
        var body = new JsonObject { ["schema"] = schema };
        if (type is not null)
            body["schemaType"] = type;
        var response = await Post($"subjects/{Uri.EscapeDataString(subject)}/versions?normalize={normalize}", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private Task<HttpResponseMessage> Post(string path, JsonObject body) => _http.PostAsync(path, Json(body));

    private static StringContent Json(JsonObject body) => new(body.ToJsonString(), null, MediaType);

    private static async Task ExpectError(HttpResponseMessage response, int status, int errorCode, string? message)
    {
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(MediaType, response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(errorCode, body!["error_code"]!.GetValue<int>());
        Assert.False(string.IsNullOrWhiteSpace(body["message"]!.GetValue<string>()));
        if (message is not null)
            Assert.Equal(message, body["message"]!.GetValue<string>());
    }
}
