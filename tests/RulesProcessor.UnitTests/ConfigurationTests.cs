using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Pipeline.RulesProcessor.Hosting;

namespace Pipeline.RulesProcessor.UnitTests;

/// <summary>What --list-topics prints and how bad settings are reported, from configuration alone.</summary>
public sealed class ConfigurationTests
{
    private static IConfiguration Config(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.ToDictionary(s => s.Key, s => (string?)s.Value)).Build();

    [Fact]
    public void By_default_every_built_in_module_is_enabled_and_every_topic_listed()
    {
        var topics = ListTopicsCommand.Topics(Config());

        Assert.Equal(
            ["iot.telemetry.raw", "iot.devices", "iot.events.raw", "iot.rules", "iot.shadow.requests", "iot.telemetry.enriched", "iot.rejected",
             "iot.commands", "iot.rule.rows", "iot.rule.http", "iot.telemetry.agg.1m",
             "iot.shadows", "iot.shadow.responses",
             "rules-processor-source-offsets-iot.telemetry.raw-changelog", "rules-processor-dedupe-seqs-changelog",
             "rules-processor-source-offsets-iot.events.raw-changelog", "rules-processor-source-offsets-iot.shadow.requests-changelog",
             "rules-processor-window-open-changelog", "rules-processor-threshold-alert-runs-changelog",
             "rules-processor-shadow-documents-changelog"],
            topics);
    }

    [Fact]
    public void Topic_names_and_application_id_come_from_configuration_and_only_enabled_modules_count()
    {
        var topics = ListTopicsCommand.Topics(Config(
            ("Rules:ApplicationId", "rp-test"),
            ("Rules:Modules:0", "dedupe"),
            ("Topics:TelemetryRaw", "raw-x"),
            ("Topics:TelemetryEnriched", "enriched-x")));

        Assert.Equal(["raw-x", "enriched-x", "iot.rejected", "rp-test-source-offsets-raw-x-changelog", "rp-test-dedupe-seqs-changelog"], topics);
    }

    [Fact]
    public void At_least_once_needs_no_replay_guard_changelog()
    {
        var topics = ListTopicsCommand.Topics(Config(("Rules:Guarantee", "AtLeastOnce"), ("Rules:Modules:0", "dedupe")));

        Assert.DoesNotContain("rules-processor-source-offsets-iot.telemetry.raw-changelog", topics);
        Assert.Contains("rules-processor-dedupe-seqs-changelog", topics);
        var withShadow = ListTopicsCommand.Topics(Config(("Rules:Guarantee", "AtLeastOnce"), ("Rules:Modules:0", "shadow")));
        Assert.Contains("rules-processor-shadow-documents-changelog", withShadow);
        Assert.DoesNotContain("rules-processor-source-offsets-iot.shadow.requests-changelog", withShadow);
    }

    [Fact]
    public void An_unknown_module_is_refused_naming_the_setting()
    {
        var error = Assert.Throws<OptionsValidationException>(() => ListTopicsCommand.Topics(Config(("Rules:Modules:0", "validte"))));

        Assert.Contains("Rules:Modules lists 'validte'", error.Message);
    }

    [Theory]
    [InlineData("Rules:Window:Grace", "-00:00:01", "Rules:Window:Grace")]
    [InlineData("Rules:Window:IdleTimeout", "00:00:10", "Rules:Window:IdleTimeout")]
    [InlineData("Rules:Dedupe:Window", "00:00:00", "Rules:Dedupe:Window")]
    [InlineData("Rules:Validate:MaxMetrics", "0", "Rules:Validate:MaxMetrics")]
    [InlineData("Rules:Validate:Ranges:temperature:Min", "10", "Rules:Validate:Ranges:temperature")]
    [InlineData("Rules:ThresholdAlert:Rules:0:Metric", "bad name", "Rules:ThresholdAlert:Rules:0:Metric")]
    [InlineData("Rules:StreamThreads", "0", "Rules:StreamThreads")]
    [InlineData("Rules:Compression", "brotli", "Rules:Compression")]
    [InlineData("Rules:ProducerLinger", "00:00:10", "Rules:ProducerLinger")]
    [InlineData("Rules:PollInterval", "00:00:00", "Rules:PollInterval")]
    public void A_bad_module_option_is_refused_naming_the_setting(string key, string value, string named)
    {
        var settings = new List<(string, string)> { (key, value) };
        if (key.StartsWith("Rules:Validate:Ranges"))
            settings.Add(("Rules:Validate:Ranges:temperature:Max", "5"));

        var error = Assert.Throws<OptionsValidationException>(() => ListTopicsCommand.Topics(Config(settings.ToArray())));

        Assert.Contains(named, error.Message);
    }
}
