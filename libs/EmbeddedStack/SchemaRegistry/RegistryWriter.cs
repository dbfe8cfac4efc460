using System.Security.Cryptography;
using System.Text;

namespace Pipeline.EmbeddedStack.SchemaRegistry;

/// <summary>
/// The one user who may change the embedded Schema Registry (register, config, delete), by HTTP basic auth as a
/// Confluent registry with basic authentication expects it. Reads stay open, as everything else on loopback that
/// only reads schemas: a schema is not a secret, but a local user who could register or delete one could make
/// every service refuse or misread records.
/// </summary>
public sealed class RegistryWriter(string user, string password)
{
    private readonly byte[] _expected = Encoding.UTF8.GetBytes("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    public bool Accepts(string? authorization) =>
        authorization is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(authorization), _expected);
}
