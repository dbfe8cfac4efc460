using System.Diagnostics;
using Pipeline.TestSupport;

namespace Pipeline.EmbeddedStack.IntegrationTests.ClickHouse;

/// <summary>curl as ClickHouse's HTTP documentation uses it; the answer's body and HTTP status.</summary>
internal static class Curl
{
    public sealed record Answer(int Status, string Body);

    /// <summary>Runs curl with <paramref name="args"/> (plus -sS and a status line); <paramref name="stdin"/> feeds --data-binary @-.</summary>
    public static async Task<Answer> RunWithInputAsync(string? stdin, params string[] args)
    {
        var start = new ProcessStartInfo("curl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
        };
        string[] all = ["-sS", "--max-time", "30", "-w", "\n%{http_code}", .. args];
        foreach (var arg in all)
            start.ArgumentList.Add(arg);
        using var curl = Process.Start(start)!;
        if (stdin is not null)
        {
            await curl.StandardInput.WriteAsync(stdin);
            curl.StandardInput.Close();
        }
        var output = await curl.StandardOutput.ReadToEndAsync();
        var error = await curl.StandardError.ReadToEndAsync();
        await curl.WaitForExitAsync();
        Assert.True(curl.ExitCode == 0, $"{CommandLine.Redacted("curl", all)} exited {curl.ExitCode}: {error}");
        var split = output.LastIndexOf('\n');
        return new Answer(int.Parse(output[(split + 1)..], System.Globalization.CultureInfo.InvariantCulture), output[..split]);
    }

    public static Task<Answer> RunAsync(params string[] args) => RunWithInputAsync(null, args);
}
