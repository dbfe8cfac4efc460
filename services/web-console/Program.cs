using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Pipeline.ServiceDefaults;
using Pipeline.WebConsole.Bridge;
using Pipeline.WebConsole.Data;
using Pipeline.WebConsole.Hosting;
using Pipeline.WebConsole.Options;
using Pipeline.WebConsole.Status;

var builder = ServiceDefaultsExtensions.CreateServiceBuilder(args, defaultHttpUrl: "http://127.0.0.1:8080");
builder.Services.AddValidatedOptions<ConsoleOptions>(ConsoleOptions.SectionName);
// The console adds devices: their tokens are keyed with the same pepper as the bridges check them with.
builder.Services.AddValidatedOptions<Pipeline.DeviceRegistry.DeviceTokenOptions>(Pipeline.DeviceRegistry.DeviceTokenOptions.SectionName);
builder.Services.AddOperatorSignIn();
// Session cookies and antiforgery tokens are protected with keys held in memory only: nothing secret is written to
// disk, and a restarted console asks operators to sign in again.
builder.Services.AddDataProtection().UseEphemeralDataProtectionProvider();
builder.Services.AddRazorPages();
builder.Services.AddHttpClient<BridgeClient>((sp, http) =>
{
    var console = sp.GetRequiredService<IOptions<ConsoleOptions>>().Value;
    http.BaseAddress = new Uri(console.BridgeUrl.TrimEnd('/') + "/");
    http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", console.OperatorToken);
    http.Timeout = TimeSpan.FromSeconds(30);
});
builder.Services.AddHttpClient<StatusScraper>(http => http.Timeout = TimeSpan.FromSeconds(5));
builder.Services.AddSingleton<AnalystConnection>();
builder.Services.AddSingleton<DeviceData>();
builder.Services.AddSingleton<QueryRunner>();
builder.Services.AddSingleton<FleetReader>();

var app = builder.Build();
app.UseSecurityHeaders();
app.UseStaticFiles();
app.UseRouting();
app.UseAuthentication();
app.UseAuthorization();
app.MapServiceEndpoints();
app.MapRazorPages();
app.MapConsoleApi();
return await app.RunServiceAsync();
