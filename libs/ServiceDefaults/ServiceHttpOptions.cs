using System.ComponentModel.DataAnnotations;

namespace Pipeline.ServiceDefaults;

/// <summary>The service's own HTTP endpoint for /healthz and /metrics. Section "Http".</summary>
public sealed class ServiceHttpOptions
{
    public const string SectionName = "Http";

    [Required(ErrorMessage = "Http:Url must be the address /healthz and /metrics listen on, e.g. http://127.0.0.1:9101.")]
    public string Url { get; set; } = "";
}
