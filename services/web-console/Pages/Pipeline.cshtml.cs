using Microsoft.AspNetCore.Mvc.RazorPages;
using Pipeline.Cli.Status;
using Pipeline.WebConsole.Status;

namespace Pipeline.WebConsole.Pages;

/// <summary>The stages' rates, rejects, lag, errors and instances, and per-rule counts, as `./pipeline status` computes them.</summary>
public sealed class PipelineModel(StatusScraper status) : PageModel
{
    public IReadOnlyList<StageStatus> Stages { get; private set; } = [];
    public IReadOnlyList<RuleStatus> Rules { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct) => (Stages, Rules) = await status.ReadAsync(TimeSpan.FromSeconds(1), ct);
}
