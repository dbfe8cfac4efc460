using System.ComponentModel.DataAnnotations;
using System.Data.Common;

namespace Pipeline.ServiceDefaults;

/// <summary>
/// Where ClickHouse is and who connects. Section "ClickHouse". Under `./pipeline up` each service gets
/// its own user through PIPELINE__ClickHouse__User/Password (the sink: a user that may only insert and
/// select); in production they come from the environment or a secret store, never from a committed file.
/// </summary>
public sealed class ClickHouseOptions
{
    public const string SectionName = "ClickHouse";

    [Required(ErrorMessage = "ClickHouse:Url must be ClickHouse's HTTP interface, e.g. http://127.0.0.1:8123.")]
    [Url(ErrorMessage = "ClickHouse:Url must be an absolute http(s) URL.")]
    public string Url { get; set; } = "http://127.0.0.1:8123";

    [Required(ErrorMessage = "ClickHouse:Database must name the database.")]
    [RegularExpression("^[A-Za-z_][A-Za-z0-9_]*$", ErrorMessage = "ClickHouse:Database must be a plain identifier.")]
    public string Database { get; set; } = "iot";

    [Required(ErrorMessage = "ClickHouse:User must name the ClickHouse user to connect as.")]
    public string User { get; set; } = "default";

    /// <summary>The user's password; never logged (<see cref="ToString"/> leaves it out).</summary>
    public string Password { get; set; } = "";

    /// <summary>A ClickHouse.Driver connection string built from these settings (values quoted, so a ';' in a password is safe).</summary>
    public string ConnectionString
    {
        get
        {
            var uri = new Uri(Url);
            var builder = new DbConnectionStringBuilder
            {
                ["Host"] = uri.Host,
                ["Port"] = uri.Port,
                ["Database"] = Database,
                ["Username"] = User,
                ["Password"] = Password,
            };
            if (uri.Scheme == Uri.UriSchemeHttps)
                builder["Protocol"] = "https";
            return builder.ConnectionString;
        }
    }

    public override string ToString() => $"{User}@{Url}/{Database}";
}
