using System.Text.Json.Nodes;
using Pipeline.RulesSql.Definitions;
using static Pipeline.MqttBridge.RulesApi.RulesApiResults;

namespace Pipeline.MqttBridge.RulesApi;

/// <summary>
/// What each rules endpoint does. Reads answer from the view; a change is checked by <see cref="RuleValidator.Prepare"/>
/// first (nothing is written when it fails), gets the next version of the stored rule, and is answered once Kafka
/// acknowledged it and the view holds it, with the definition as stored.
/// </summary>
public sealed class RulesApiHandler(RulesView view, RulesStore store)
{
    public IResult List() =>
        !view.IsReady ? NotReady() : Json(new JsonArray([.. view.All().Select(r => JsonNode.Parse(RuleDefinitionJson.ToText(r)))]).ToJsonString());

    public IResult Show(HttpContext http, string name) =>
        !view.IsReady ? NotReady() : view.TryGet(name, out var rule) ? Rule(http, rule) : NoSuchRule(name);

    /// <summary>POST /rules: a new rule; 409 when the name is taken.</summary>
    public Task<IResult> CreateAsync(HttpContext http) => WithBodyAsync(http, body =>
    {
        if (body.Name is null)
            return Task.FromResult(Invalid(new RuleDefinitionException("'name' is required for POST /rules (or use PUT /rules/<name>)") { Field = "name" }));
        RuleValidator.CheckName(body.Name);
        return ChangeAsync(http, body.Name, existing =>
            existing is not null ? Conflict($"A rule named '{body.Name}' exists (version {existing.Version}); change it with PUT /rules/{body.Name}.") : null,
            _ => Definition(body, body.Name));
    });

    /// <summary>PUT /rules/{name}: creates or replaces the whole rule; If-Match makes it apply only to that version.</summary>
    public Task<IResult> PutAsync(HttpContext http, string name) => WithBodyAsync(http, body =>
    {
        RuleValidator.CheckName(name);
        if (body.Name is not null && body.Name != name)
            throw new RuleDefinitionException($"the body names '{body.Name}' but the path '{name}'") { Field = "name" };
        var expected = ExpectedVersion(http.Request);
        return ChangeAsync(http, name, existing => VersionConflict(name, existing, expected), _ => Definition(body, name));
    });

    public Task<IResult> SetEnabledAsync(HttpContext http, string name, bool enabled) => GuardAsync(() =>
    {
        var expected = ExpectedVersion(http.Request);
        return ChangeAsync(http, name,
            existing => existing is null ? NoSuchRule(name) : VersionConflict(name, existing, expected),
            existing => existing!.Enabled == enabled ? existing : existing with { Enabled = enabled });
    });

    /// <summary>DELETE /rules/{name}: a tombstone in iot.rules; 204, or 404 when there is no such rule.</summary>
    public Task<IResult> DeleteAsync(HttpContext http, string name) => GuardAsync(() =>
    {
        var expected = ExpectedVersion(http.Request);
        return ChangeAsync(http, name,
            existing => existing is null ? NoSuchRule(name) : VersionConflict(name, existing, expected),
            _ => null);
    });

    /// <summary>
    /// Under the store's one-change-at-a-time lock: <paramref name="refuse"/> sees the stored rule (null: none) and may
    /// answer instead; <paramref name="next"/> gives what to store (null deletes; the stored rule itself: nothing to do).
    /// </summary>
    private async Task<IResult> ChangeAsync(HttpContext http, string name, Func<RuleDefinition?, IResult?> refuse, Func<RuleDefinition?, RuleDefinition?> next)
    {
        if (!store.IsReady)
            return NotReady();
        return await store.ChangeAsync(async () =>
        {
            var existing = view.TryGet(name, out var stored) ? stored : null;
            if (refuse(existing) is { } refusal)
                return refusal;
            var wanted = next(existing);
            if (wanted is not null && ReferenceEquals(wanted, existing))
                return Rule(http, existing);
            if (wanted is not null)
            {
                var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                wanted = wanted with
                {
                    Version = (existing?.Version ?? 0) + 1,
                    CreatedTsMs = existing?.CreatedTsMs ?? now,
                    UpdatedTsMs = now,
                };
                RuleValidator.Prepare(wanted);
            }
            if (await store.WriteAsync(name, wanted) is { } failure)
                return Error(StatusCodes.Status503ServiceUnavailable, $"Kafka did not take the change: {failure}");
            if (wanted is null)
                return Results.NoContent();
            return Rule(http, view.TryGet(name, out var readBack) && readBack.Version == wanted.Version ? readBack : wanted,
                existing is null ? StatusCodes.Status201Created : StatusCodes.Status200OK);
        }, http.RequestAborted);
    }

    private static RuleDefinition Definition(RuleBody body, string name) => new()
    {
        Name = name,
        Sql = body.Sql,
        Actions = body.Actions,
        ErrorAction = body.ErrorAction,
        Description = body.Description,
        Enabled = body.Enabled,
    };

    private static IResult? VersionConflict(string name, RuleDefinition? existing, long? expected) => expected switch
    {
        null => null,
        -1 when existing is not null => null,
        -1 => NoSuchRule(name),
        { } v when existing?.Version == v => null,
        { } v => Conflict($"Rule '{name}' is at version {existing?.Version.ToString() ?? "none (deleted)"}, not {v}: read it again and reapply the change."),
    };

    private static async Task<IResult> WithBodyAsync(HttpContext http, Func<RuleBody, Task<IResult>> handle)
    {
        if (await ReadBodyAsync(http.Request, RuleBody.MaxBytes, http.RequestAborted) is not { } bytes)
            return Error(StatusCodes.Status413PayloadTooLarge, $"A rule's body is at most {RuleBody.MaxBytes / 1024} KiB.");
        return await GuardAsync(() => handle(RuleBody.Parse(bytes)));
    }

    private static async Task<IResult> GuardAsync(Func<Task<IResult>> handle)
    {
        try
        {
            return await handle();
        }
        catch (RuleDefinitionException refused)
        {
            return Invalid(refused);
        }
    }

    private IResult NotReady() => Error(StatusCodes.Status503ServiceUnavailable, $"The rules API is not ready: {store.NotReadyReason}; try again.");

    private static IResult NoSuchRule(string name) => Error(StatusCodes.Status404NotFound, $"No rule named '{name}'.");

    private static IResult Conflict(string message) => Error(StatusCodes.Status409Conflict, message);
}
