using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;
using Pipeline.EmbeddedStack.ClickHouse;
using Pipeline.TestSupport;

namespace Pipeline.Cli.IntegrationTests;

/// <summary>`./pipeline devstack`, `migrate` and `query` as a user runs them, checked with curl and kcat too.</summary>
public sealed class DevstackTests
{
    [Fact]
    public async Task Query_and_migrate_without_a_running_pipeline_exit_non_zero_and_say_so()
    {
        using var home = new CliHome();
        foreach (var args in new[] { new[] { "query", "SELECT 1" }, ["migrate"] })
        {
            await using var cli = await CliProcess.RunAsync(home, args);
            Assert.NotEqual(0, cli.ExitCode);
            Assert.Contains("No pipeline is running", cli.Stderr);
        }
    }

    [Fact]
    public async Task Devstack_serves_kafka_schema_registry_and_clickhouse_and_stops_cleanly_on_sigint()
    {
        using var home = new CliHome();
        await using var devstack = CliProcess.Start(home, "devstack");
        var endpoints = await WaitForEndpointsAsync(home, devstack);

        // ClickHouse answers curl as ClickHouse's HTTP interface does, to a user of the credentials file (0600) only.
        var clickhouse = endpoints.GetProperty("clickhouse").GetString()!;
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(home.CredentialsFile));
        var analyst = home.ClickHouseUser(ClickHouseRole.Analyst);
        Assert.Equal("1", (await RunToolAsync("curl", "-sf", "-u", $"{analyst.User}:{analyst.Password}", $"{clickhouse}/?query=SELECT%201")).Trim());
        var anonymous = await RunToolAsync("curl", "-s", "-w", "\n%{http_code}", $"{clickhouse}/?query=SELECT%201");
        Assert.StartsWith("Code: 516. DB::Exception: default: Authentication failed", anonymous);
        Assert.EndsWith("\n403", anonymous);

        // Every product topic exists with the embedded default partition count, seen by a Kafka client we did not write.
        var metadata = await RunToolAsync("kcat", "-b", endpoints.GetProperty("kafka").GetString()!, "-L");
        var partitions = new Pipeline.EmbeddedStack.EmbeddedStackOptions().Partitions;
        foreach (var topic in new Pipeline.Contracts.KafkaTopics().All)
            Assert.Contains($"topic \"{topic}\" with {partitions} partitions", metadata);

        // The Schema Registry answers its REST API.
        Assert.Equal("[]", (await RunToolAsync("curl", "-sf", $"{endpoints.GetProperty("schemaRegistry").GetString()}/subjects")).Trim());

        await using (var migrate = await CliProcess.RunAsync(home, "migrate"))
        {
            Assert.True(migrate.ExitCode == 0, migrate.Stderr);
            Assert.Contains("0006_shadow_history", migrate.Stdout);
        }
        await using (var again = await CliProcess.RunAsync(home, "migrate"))
            Assert.Contains("up to date", again.Stdout, StringComparison.OrdinalIgnoreCase);

        await using (var count = await CliProcess.RunAsync(home, "query", "SELECT count() AS n FROM iot.telemetry", "--format", "csv"))
        {
            Assert.True(count.ExitCode == 0, count.Stderr);
            Assert.Equal(["n", "0"], count.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }
        await using (var json = await CliProcess.RunAsync(home, "query", "SELECT 1 AS a, 'x,\"y' AS b", "--format", "json"))
            Assert.Equal("[{\"a\":1,\"b\":\"x,\\u0022y\"}]", json.Stdout.Trim());
        await using (var bad = await CliProcess.RunAsync(home, "query", "SELECT * FROM iot.no_such_table"))
        {
            Assert.Equal(1, bad.ExitCode);
            Assert.Contains("Code: 60. DB::Exception", bad.Stderr);
        }
        // `query` is the read-only analyst: it cannot change data or the schema.
        await using (var write = await CliProcess.RunAsync(home, "query", "DROP TABLE iot.telemetry"))
        {
            Assert.Equal(1, write.ExitCode);
            Assert.Contains("Code: 164. DB::Exception: analyst: Cannot execute query in readonly mode", write.Stderr);
        }
        await using (var still = await CliProcess.RunAsync(home, "query", "EXISTS TABLE iot.telemetry", "--format", "csv"))
            Assert.Contains("1", still.Stdout.Split('\n')[1]);
        // A query that names its own output format gets ClickHouse's bytes as they are, not a driver error.
        await using (var own = await CliProcess.RunAsync(home, "query", "SELECT 1 AS a, 'x' AS b FORMAT JSONEachRow"))
        {
            Assert.True(own.ExitCode == 0, own.Stderr);
            Assert.Equal("{\"a\":1,\"b\":\"x\"}", own.Stdout.Trim());
        }

        var watch = Stopwatch.StartNew();
        devstack.Signal(CliProcess.SigInt);
        await devstack.WaitForExitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(0, devstack.ExitCode);
        Assert.False(File.Exists(home.EndpointsFile), "the endpoints file of a stopped stack must be gone");
    }

    [Fact]
    public async Task Devstack_stops_cleanly_when_the_process_that_started_it_is_gone()
    {
        // A wrapper (here a plain `sleep`) starts devstack and names itself; killed, it cannot stop devstack itself.
        using var wrapper = Process.Start(new ProcessStartInfo("sleep", "600") { UseShellExecute = false })!;
        using var home = new CliHome();
        home.Environment[Pipeline.ServiceDefaults.SupervisorWatch.EnvironmentVariable] = wrapper.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await using var devstack = CliProcess.Start(home, "devstack");
        await WaitForEndpointsAsync(home, devstack);
        Assert.False(devstack.HasExited, "devstack keeps running while the process that started it lives");

        wrapper.Kill();
        await devstack.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.True(devstack.ExitCode == 0, devstack.Stderr);
        Assert.Contains($"The process that started this one (PIPELINE_SUPERVISOR_PID={wrapper.Id}) is gone; stopping.", devstack.Stderr);
        Assert.False(File.Exists(home.EndpointsFile), "the endpoints file of a stopped stack must be gone");
    }

    [Fact]
    public async Task Registry_topic_and_clickhouse_data_survive_a_restart_and_fresh_starts_empty()
    {
        using var home = new CliHome();
        await using (var first = CliProcess.Start(home, "devstack"))
        {
            var endpoints = await WaitForEndpointsAsync(home, first);
            using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = endpoints.GetProperty("kafka").GetString(), Acks = Acks.All }).Build();
            await producer.ProduceAsync("iot.devices", new Message<string, byte[]> { Key = "dev-1", Value = [1, 2, 3] });
            await producer.ProduceAsync("iot.devices", new Message<string, byte[]> { Key = "dev-2", Value = [4] });
            await using (var migrate = await CliProcess.RunAsync(home, "migrate"))
                Assert.True(migrate.ExitCode == 0, migrate.Stderr);
            // `query` is read-only; the migrator changes the schema and data, here through curl.
            var migrator = home.ClickHouseUser(ClickHouseRole.Migrator);
            var clickhouse = endpoints.GetProperty("clickhouse").GetString()!;
            foreach (var sql in new[] { "CREATE TABLE default.kept (x UInt8) ENGINE = MergeTree ORDER BY x", "INSERT INTO default.kept VALUES (7)" })
                await RunToolAsync("curl", "-sf", "-u", $"{migrator.User}:{migrator.Password}", "--data-binary", sql, clickhouse + "/");
            first.Signal(CliProcess.SigInt);
            await first.WaitForExitAsync(TimeSpan.FromSeconds(20));
        }

        var firstCredentials = File.ReadAllText(home.CredentialsFile);
        await using (var second = CliProcess.Start(home, "devstack"))
        {
            // The credentials are kept across a restart: clients configured with them keep working.
            Assert.Equal(firstCredentials, File.ReadAllText(home.CredentialsFile));
            var endpoints = await WaitForEndpointsAsync(home, second);
            var restored = ReadAll(endpoints.GetProperty("kafka").GetString()!, "iot.devices", expected: 2);
            Assert.Equal([1, 2, 3], restored["dev-1"]);
            Assert.Equal([4], restored["dev-2"]);
            await using var kept = await CliProcess.RunAsync(home, "query", "SELECT x FROM default.kept", "--format", "csv");
            Assert.Contains("7", kept.Stdout);
            second.Signal(CliProcess.SigInt);
            await second.WaitForExitAsync(TimeSpan.FromSeconds(20));
        }

        await using (var fresh = CliProcess.Start(home, "devstack", "--fresh"))
        {
            await WaitForEndpointsAsync(home, fresh);
            // --fresh starts from nothing, secrets included.
            Assert.NotEqual(firstCredentials, File.ReadAllText(home.CredentialsFile));
            await using (var migrate = await CliProcess.RunAsync(home, "migrate"))
                Assert.Contains("from version 0", migrate.Stdout);
            await using var gone = await CliProcess.RunAsync(home, "query", "EXISTS TABLE default.kept", "--format", "csv");
            Assert.Contains("0", gone.Stdout.Split('\n')[1]);
        }
    }

    private static async Task<JsonElement> WaitForEndpointsAsync(CliHome home, CliProcess stack)
    {
        await Eventually.HoldsAsync(() => File.Exists(home.EndpointsFile) || stack.HasExited, TimeSpan.FromSeconds(60),
            "devstack writes the endpoints file");
        Assert.False(stack.HasExited, $"devstack exited early: {stack.Stderr}{stack.Stdout}");
        return JsonDocument.Parse(File.ReadAllText(home.EndpointsFile)).RootElement.Clone();
    }

    private static Dictionary<string, byte[]> ReadAll(string bootstrap, string topic, int expected)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "cli-test-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Subscribe(topic);
        var records = new Dictionary<string, byte[]>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (records.Count < expected && DateTime.UtcNow < deadline)
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } r)
                records[r.Message.Key] = r.Message.Value;
        consumer.Close();
        return records;
    }

    private static async Task<string> RunToolAsync(string tool, params string[] args)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{CommandLine.Redacted(tool, args)} failed: {await process.StandardError.ReadToEndAsync()}");
        return output;
    }
}
