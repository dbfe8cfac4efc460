namespace Pipeline.EmbeddedStack.SchemaRegistry;

/// <summary>
/// An answer the registry gives as an error: HTTP status plus Confluent's error_code and message, so that
/// Confluent.SchemaRegistry's client raises the same SchemaRegistryException it raises against a real registry.
/// The codes and wording follow Confluent Schema Registry's REST API (Errors.java / the API reference).
/// </summary>
public sealed class RegistryException(int httpStatus, int errorCode, string message) : Exception(message)
{
    public int HttpStatus { get; } = httpStatus;
    public int ErrorCode { get; } = errorCode;

    public static RegistryException SubjectNotFound(string subject) =>
        new(404, 40401, $"Subject '{subject}' not found.");

    public static RegistryException VersionNotFound(string subject, int version) =>
        new(404, 40402, $"Version {version} not found.");

    public static RegistryException SchemaNotFound() =>
        new(404, 40403, "Schema not found");

    public static RegistryException SchemaIdNotFound(int id) =>
        new(404, 40403, $"Schema {id} not found");

    public static RegistryException SubjectSoftDeleted(string subject) =>
        new(404, 40404, $"Subject '{subject}' was soft deleted.Set permanent=true to delete permanently");

    public static RegistryException SubjectNotSoftDeleted(string subject) =>
        new(404, 40405, $"Subject '{subject}' was not deleted first before being permanently deleted");

    public static RegistryException VersionSoftDeleted(string subject, int version) =>
        new(404, 40406, $"Subject '{subject}' Version {version} was soft deleted.Set permanent=true to delete permanently");

    public static RegistryException VersionNotSoftDeleted(string subject, int version) =>
        new(404, 40407, $"Subject '{subject}' Version {version} was not deleted first before being permanently deleted");

    public static RegistryException SubjectCompatibilityNotConfigured(string subject) =>
        new(404, 40408, $"Subject '{subject}' does not have subject-level compatibility configured");

    public static RegistryException InvalidSchema(string detail) =>
        new(422, 42201, $"Invalid schema: {detail}");

    public static RegistryException InvalidVersion(string version) =>
        new(422, 42202, $"The specified version '{version}' is not a valid version id. "
            + "Allowed values are between [1, 2^31-1] and the string \"latest\"");

    public static RegistryException InvalidCompatibilityLevel(string? level) =>
        new(422, 42203, $"Invalid compatibility level '{level}'. Valid values are none, backward, forward, full, "
            + "backward_transitive, forward_transitive, and full_transitive");

    public static RegistryException BadRequest(string detail) => new(400, 400, detail);

    public static RegistryException RouteNotFound() => new(404, 404, "HTTP 404 Not Found");

    public static RegistryException MethodNotAllowed() => new(405, 405, "HTTP 405 Method Not Allowed");
}
