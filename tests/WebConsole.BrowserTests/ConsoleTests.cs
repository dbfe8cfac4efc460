using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Pipeline.Cli.IntegrationTests;
using static Microsoft.Playwright.Assertions;

namespace Pipeline.WebConsole.BrowserTests;

/// <summary>
/// The console as an operator uses it, in Debian's chromium against a real `up`: sign-in, the fleet, a device's chart,
/// events and shadow, rules, queries and the pipeline page. mosquitto_pub/mosquitto_sub play the devices. Each test
/// saves a screenshot of its page into docs/console/ (docs/console.md shows them).
/// </summary>
public sealed class ConsoleTests(ConsolePipeline pipeline) : IClassFixture<ConsolePipeline>
{
    [Fact]
    public async Task Nothing_is_shown_without_signing_in_and_a_wrong_token_is_refused()
    {
        await using var console = await pipeline.NewPageAsync();
        var page = console.Page;

        var response = await page.GotoAsync("/query");
        await Expect(page).ToHaveURLAsync(new Regex("/signin"));
        // No inline script may run, whatever a page shows; no framing.
        var headers = await response!.AllHeadersAsync();
        Assert.Contains("script-src 'self';", headers["content-security-policy"], StringComparison.Ordinal);
        Assert.Equal("DENY", headers["x-frame-options"]);
        var api = await page.APIRequest.GetAsync("/api/devices/any/telemetry");
        Assert.Equal(401, api.Status);

        await page.FillAsync("#token", "not-the-operator-token");
        await page.ClickAsync("text=Sign in >> nth=-1");
        await Expect(page.Locator(".error")).ToHaveTextAsync("Wrong operator token.");
        await Expect(page).ToHaveURLAsync(new Regex("/signin"));
        await console.ScreenshotAsync("signin");

        await page.FillAsync("#token", pipeline.OperatorToken);
        await page.ClickAsync("text=Sign in >> nth=-1");
        await Expect(page).ToHaveURLAsync(new Regex("/query$"));
        Assert.DoesNotContain(pipeline.OperatorToken, page.Url, StringComparison.Ordinal);
        var cookie = (await console.Context.CookiesAsync()).Single(c => c.Name == "pipeline-console");
        Assert.True(cookie.HttpOnly, "the session cookie is HttpOnly");
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);

        await page.ClickAsync("text=Sign out");
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(new Regex("/signin"));
    }

    [Fact]
    public async Task A_device_added_in_the_console_publishes_and_its_chart_and_hostile_event_appear_as_text()
    {
        await using var console = await pipeline.SignedInPageAsync();
        var page = console.Page;
        const string hostileAttribute = "<script>alert('attr')</script>";
        await page.FillAsync("#new-id", "console-dev-1");
        await page.FillAsync("#new-attributes", $"site=plant-1\nlabel={hostileAttribute}");
        await page.ClickAsync("text=Add device");
        var token = (await page.Locator("#device-token").TextContentAsync())!.Trim();
        Assert.Matches("^[A-Za-z0-9_-]{20,}$", token);
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("text=Download credentials"));
        var saved = Path.Combine(pipeline.Home.StateDir, "credentials-download.json");
        await download.SaveAsAsync(saved);
        Assert.Contains(token, await File.ReadAllTextAsync(saved), StringComparison.Ordinal);
        await page.GotoAsync("/");
        await Expect(page.Locator("#fleet")).ToContainTextAsync($"label={hostileAttribute}");
        await pipeline.WaitUntilAcceptedAsync("console-dev-1", token);

        await pipeline.PublishAsync("console-dev-1", token, "devices/console-dev-1/telemetry", """{"temperature":21.5,"humidity":40}""");
        // Not JSON: refused by the pipeline, listed under the device's rejected messages with its reason.
        // (mosquitto_pub may report the refusal's reason code: its exit status is not the point here.)
        await ExternalTool.TryRunAsync("mosquitto_pub", [.. pipeline.MqttArgs("console-dev-1", token), "-V", "mqttv5", "-q", "1",
            "-t", "devices/console-dev-1/telemetry", "-m", "<b>not json</b>"]);
        const string hostileEvent = """{"type":"door","note":"<script>alert('event')</script><img src=x onerror=alert(2)>"}""";
        await pipeline.PublishAsync("console-dev-1", token, "devices/console-dev-1/events", hostileEvent);

        await page.GotoAsync("/?q=plant-1");
        await Expect(page.Locator("#fleet tbody tr")).ToHaveCountAsync(1);
        await console.ScreenshotAsync("fleet");

        await page.GotoAsync("/devices/console-dev-1");
        var chart = page.Locator("#telemetry-chart");
        await Expect(chart).ToHaveAttributeAsync("data-points", new Regex("^[1-9]"), new() { Timeout = 60_000 });
        // The events table is rendered with the page: reload until the sink has stored the event.
        const string hostileText = "<script>alert('event')</script><img src=x onerror=alert(2)>";
        await Pipeline.TestSupport.Eventually.HoldsAsync(async () =>
        {
            await page.ReloadAsync();
            return await page.Locator("#events").TextContentAsync() ?? "";
        }, text => text.Contains(hostileText, StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the event is listed with its text as sent");
        await Pipeline.TestSupport.Eventually.HoldsAsync(async () =>
        {
            await page.ReloadAsync();
            return await page.Locator("#rejected tbody").TextContentAsync() ?? "";
        }, text => text.Contains("<b>not json</b>", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the refused payload is listed as text");
        Assert.Equal(0, await page.Locator("#rejected b").CountAsync());
        // Each reload above draws the chart anew: its points are counted once the page has fetched them again.
        await Expect(chart).ToHaveAttributeAsync("data-points", new Regex("^[1-9]"), new() { Timeout = 60_000 });
        var before = int.Parse((await chart.GetAttributeAsync("data-points"))!, System.Globalization.CultureInfo.InvariantCulture);
        await pipeline.PublishAsync("console-dev-1", token, "devices/console-dev-1/telemetry", """{"temperature":22.5}""");
        await Expect(chart).ToHaveAttributeAsync("data-points", new Regex($"^(?!{before}$)[0-9]+$"), new() { Timeout = 60_000 });
        await console.ScreenshotAsync("device");

        Assert.Empty(console.Dialogs);
        Assert.Equal(0, await page.Locator("#events img").CountAsync());

        // Revoked in the console: its token stops working.
        await page.GotoAsync("/");
        await page.Locator("#fleet tr", new() { HasText = "console-dev-1" }).Locator("text=Revoke").ClickAsync();
        await Expect(page.Locator("#fleet tr", new() { HasText = "console-dev-1" })).ToContainTextAsync("revoked");
        await Pipeline.TestSupport.Eventually.HoldsAsync(
            async () => (await ExternalTool.TryRunAsync("mosquitto_pub", [.. pipeline.MqttArgs("console-dev-1", token), "-V", "mqttv5", "-q", "1",
                "-t", "devices/console-dev-1/events", "-m", "{}"])).Exit,
            exit => exit != 0, TimeSpan.FromSeconds(30), "the bridge refuses the revoked device");
    }

    [Fact]
    public async Task Editing_desired_state_in_the_console_reaches_the_device_as_a_delta()
    {
        var (id, token) = await pipeline.AddDeviceAsync("console-shadow-1", "site=plant-2");
        using var device = await MosquittoDevice.SubscribeAsync(pipeline.MqttArgs(id, token), $"devices/{id}/shadow/update/delta");
        await using var console = await pipeline.SignedInPageAsync();
        var page = console.Page;
        await page.GotoAsync($"/devices/{id}");
        await page.FillAsync("#desired", """{"fan":"on","interval":30}""");
        await page.ClickAsync("text=Update desired");
        await Expect(page.Locator("#device-message")).ToContainTextAsync("Desired state updated");
        await device.WaitForAsync(o => o.Contains("\"fan\":\"on\"", StringComparison.Ordinal), "mosquitto_sub receives the delta with fan=on");
        await Expect(page.Locator("#shadow-delta")).ToContainTextAsync("\"fan\": \"on\"");

        await page.FillAsync("#command-payload", """{"action":"blink"}""");
        await page.ClickAsync("#command-form button");
        await Expect(page.Locator("#command-outcomes")).ToContainTextAsync("accepted");

        // Written onto a version someone else changed meanwhile: refused, not overwritten.
        await page.FillAsync("#desired", """{"fan":"off"}""");
        await page.EvaluateAsync("() => document.querySelector('#desired-form input[name=version]').value = '99'");
        await page.ClickAsync("text=Update desired");
        await Expect(page.Locator("#device-message")).ToContainTextAsync("409");
        await console.ScreenshotAsync("shadow");
    }

    [Fact]
    public async Task A_rule_with_an_error_shows_it_at_its_position_and_once_fixed_is_stored_and_tested()
    {
        await using var console = await pipeline.SignedInPageAsync();
        var page = console.Page;
        await page.GotoAsync("/rules/edit");
        await page.FillAsync("#rule-name", "console-hot");
        await page.FillAsync("#rule-sql", "SELECT lowr(temperature) AS t FROM 'devices/+/telemetry'");
        await page.FillAsync("#rule-actions", "republish:devices/${topic(2)}/commands");
        await page.ClickAsync("text=Save");
        var position = page.Locator("#rule-error-position");
        await Expect(position).ToContainTextAsync("unknown function 'lowr'");
        var lines = (await position.TextContentAsync())!.Split('\n');
        Assert.Equal("SELECT lowr(temperature) AS t FROM 'devices/+/telemetry'", lines[0]);
        Assert.Equal("       ^", lines[1][..8]);
        await console.ScreenshotAsync("rule-error");

        await page.FillAsync("#rule-sql", "SELECT temperature AS t FROM 'devices/+/telemetry' WHERE temperature > 30");
        await page.ClickAsync("text=Save");
        await Expect(page.Locator("#rule-saved")).ToContainTextAsync("saved (version 1)");
        await page.FillAsync("#test-payload", """{"temperature":35}""");
        await page.ClickAsync("#rule-test-form button");
        await Expect(page.Locator("#rule-test-result")).ToContainTextAsync("\"matched\": true");
        await Expect(page.Locator("#rule-test-result")).ToContainTextAsync("devices/d1/commands");

        await page.GotoAsync("/rules");
        var row = page.Locator("#rules tr", new() { HasText = "console-hot" });
        await Expect(row).ToContainTextAsync("enabled");
        await row.Locator("text=Disable").ClickAsync();
        await Expect(page.Locator("#rules tr", new() { HasText = "console-hot" })).ToContainTextAsync("disabled");
        await console.ScreenshotAsync("rules");
    }

    [Fact]
    public async Task A_query_runs_as_the_read_only_analyst_with_a_chart_a_csv_download_and_its_statistics()
    {
        var (id, token) = await pipeline.AddDeviceAsync("console-query-1");
        for (var i = 0; i < 3; i++)
            await pipeline.PublishAsync(id, token, $"devices/{id}/telemetry", $$"""{"temperature":{{20 + i}}}""");
        await using var console = await pipeline.SignedInPageAsync();
        var page = console.Page;
        await page.GotoAsync("/query");
        var sql = $"SELECT toStartOfMinute(ts) AS minute, count() AS n, avg(value) AS avg_value FROM iot.telemetry WHERE device_id = '{id}' GROUP BY minute ORDER BY minute";
        await page.FillAsync("#sql", sql);
        // The sink stores the values within seconds: run until they are there.
        await Pipeline.TestSupport.Eventually.HoldsAsync(async () =>
        {
            await page.ClickAsync("text=Run");
            return await page.Locator("#query-result tbody tr").CountAsync();
        }, n => n > 0, TimeSpan.FromSeconds(60), "the query finds the device's values");
        await Expect(page.Locator("#query-stats")).ToContainTextAsync(new Regex(@"row\(s\) in \d+ ms; rows read: "));
        await Expect(page.Locator("#query-chart")).ToHaveAttributeAsync("data-rendered", "true");
        await console.ScreenshotAsync("query");

        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("text=Download CSV"));
        Assert.Equal("query.csv", download.SuggestedFilename);
        var path = Path.Combine(pipeline.Home.StateDir, "query.csv");
        await download.SaveAsAsync(path);
        var csv = await File.ReadAllLinesAsync(path);
        Assert.Equal("minute,n,avg_value", csv[0]);
        Assert.True(csv.Length >= 2, string.Join('\n', csv));

        // The analyst may not write: ClickHouse's refusal is shown.
        await page.FillAsync("#sql", "DROP TABLE iot.telemetry");
        await page.ClickAsync("text=Run");
        await Expect(page.Locator("#query-error")).ToContainTextAsync(new Regex("readonly|Not enough privileges|ACCESS_DENIED", RegexOptions.IgnoreCase));
    }

    [Fact]
    public async Task The_pipeline_page_shows_each_stage_up()
    {
        await using var console = await pipeline.SignedInPageAsync();
        var page = console.Page;
        await page.GotoAsync("/pipeline");
        foreach (var stage in new[] { "mqtt-bridge", "rules-processor", "sink-writer" })
            await Expect(page.Locator("#stages tr", new() { HasText = stage })).ToContainTextAsync("yes");
        await console.ScreenshotAsync("pipeline");
    }
}
