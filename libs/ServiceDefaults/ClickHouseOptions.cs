using System.ComponentModel.DataAnnotations;

namespace Pipeline.ServiceDefaults;

/// <summary>Where ClickHouse is. Section "ClickHouse".</summary>
public sealed class ClickHouseOptions
{
    public const string SectionName = "ClickHouse";

    [Required(ErrorMessage = "ClickHouse:Url must be ClickHouse's HTTP interface, e.g. http://127.0.0.1:8123.")]
    [Url(ErrorMessage = "ClickHouse:Url must be an absolute http(s) URL.")]
    public string Url { get; set; } = "http://127.0.0.1:8123";

    [Required(ErrorMessage = "ClickHouse:Database must name the database.")]
    [RegularExpression("^[A-Za-z_][A-Za-z0-9_]*$", ErrorMessage = "ClickHouse:Database must be a plain identifier.")]
    public string Database { get; set; } = "iot";

    public string Username { get; set; } = "default";

    public string Password { get; set; } = "";

    /// <summary>A ClickHouse.Driver connection string built from these settings.</summary>
    public string ConnectionString
    {
        get
        {
            var uri = new Uri(Url);
            var scheme = uri.Scheme == "https" ? ";Protocol=https" : "";
            return $"Host={uri.Host};Port={uri.Port};Database={Database};Username={Username};Password={Password}{scheme}";
        }
    }
}
