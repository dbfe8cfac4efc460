using Pipeline.MqttBridge.OperatorApi;
using static Pipeline.MqttBridge.RulesApi.RulesApiResults;

namespace Pipeline.MqttBridge.RulesApi;

/// <summary>
/// The operator rules API (docs/rules-api.md), next to the shadow API and with the same operator token:
/// list, show, create, replace, enable, disable, delete and test rules stored in iot.rules.
/// </summary>
public static class RulesApiEndpoints
{
    public static WebApplication MapRulesApi(this WebApplication app)
    {
        var rules = app.MapGroup("/rules").AddEndpointFilter(async (context, next) =>
        {
            var auth = context.HttpContext.RequestServices.GetRequiredService<OperatorAuth>();
            return auth.Refusal(context.HttpContext, "rules API") is { } refusal ? Error(refusal.Status, refusal.Message) : await next(context);
        });
        rules.MapGet("", (RulesApiHandler h) => h.List());
        rules.MapGet("/{name}", (string name, HttpContext http, RulesApiHandler h) => h.Show(http, name));
        rules.MapPost("", (HttpContext http, RulesApiHandler h) => h.CreateAsync(http));
        rules.MapPut("/{name}", (string name, HttpContext http, RulesApiHandler h) => h.PutAsync(http, name));
        rules.MapPost("/{name}/enable", (string name, HttpContext http, RulesApiHandler h) => h.SetEnabledAsync(http, name, true));
        rules.MapPost("/{name}/disable", (string name, HttpContext http, RulesApiHandler h) => h.SetEnabledAsync(http, name, false));
        rules.MapDelete("/{name}", (string name, HttpContext http, RulesApiHandler h) => h.DeleteAsync(http, name));
        rules.MapPost("/test", (HttpContext http, RuleTester t) => t.TestAsync(http));
        return app;
    }
}
