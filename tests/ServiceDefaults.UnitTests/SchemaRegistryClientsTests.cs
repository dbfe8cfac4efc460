using System.Net;
using System.Net.Sockets;
using System.Text;
using Confluent.SchemaRegistry;
using Pipeline.ServiceDefaults.Kafka;

namespace Pipeline.ServiceDefaults.UnitTests;

/// <summary>The Schema Registry clients' basic auth and TLS settings: what reaches the registry, what is refused, what is never shown.</summary>
public sealed class SchemaRegistryClientsTests
{
    private const string Password = "sr-pw-5e1a-never-shown";

    [Fact]
    public async Task A_client_sends_the_configured_user_and_password_as_basic_auth()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        var request = AnswerOnceAsync(listener, "[\"iot.telemetry.raw-value\"]");
        using var client = SchemaRegistryClients.Create(new KafkaOptions { SchemaRegistryUrl = url, SchemaRegistryUsername = "bridge", SchemaRegistryPassword = Password });

        var subjects = await client.GetAllSubjectsAsync();

        Assert.Equal(["iot.telemetry.raw-value"], subjects);
        var expected = Convert.ToBase64String(Encoding.UTF8.GetBytes($"bridge:{Password}"));
        Assert.Contains($"Authorization: Basic {expected}", (await request).Split("\r\n"));
    }

    [Fact]
    public async Task Without_a_user_no_credentials_are_sent()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var request = AnswerOnceAsync(listener, "[]");
        using var client = SchemaRegistryClients.Create(new KafkaOptions { SchemaRegistryUrl = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}" });

        await client.GetAllSubjectsAsync();

        Assert.DoesNotContain("Authorization:", await request, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void The_CA_of_an_https_registry_is_passed_on()
    {
        var ca = Path.GetTempFileName();
        try
        {
            var config = SchemaRegistryClients.Config(new KafkaOptions { SchemaRegistryUrl = "https://registry:8081", SchemaRegistryCaLocation = ca });
            Assert.Equal(ca, config.SslCaLocation);
            Assert.Empty(KafkaOptionsValidator.Problems(new KafkaOptions { SchemaRegistryUrl = "https://registry:8081", SchemaRegistryCaLocation = ca }));
        }
        finally
        {
            File.Delete(ca);
        }
    }

    [Fact]
    public void Half_a_login_a_CA_for_plain_http_and_a_missing_CA_file_are_refused_naming_the_setting_not_the_password()
    {
        var problems = string.Join(" | ", KafkaOptionsValidator.Problems(new KafkaOptions { SchemaRegistryPassword = Password }))
            + string.Join(" | ", KafkaOptionsValidator.Problems(new KafkaOptions { SchemaRegistryCaLocation = "/etc/hosts" }))
            + string.Join(" | ", KafkaOptionsValidator.Problems(new KafkaOptions { SchemaRegistryUrl = "https://r:8081", SchemaRegistryCaLocation = "/no/such/ca.pem" }));

        Assert.Contains("Kafka:SchemaRegistryUsername and Kafka:SchemaRegistryPassword go together", problems);
        Assert.Contains("Kafka:SchemaRegistryCaLocation is set but Kafka:SchemaRegistryUrl is not https", problems);
        Assert.Contains("Kafka:SchemaRegistryCaLocation names a file that does not exist: /no/such/ca.pem", problems);
        Assert.DoesNotContain(Password, problems);
    }

    [Fact]
    public void The_registry_password_is_masked_in_anything_logged_and_absent_from_the_options_text()
    {
        var options = new KafkaOptions { SchemaRegistryUsername = "sink", SchemaRegistryPassword = Password };
        var factory = new KafkaClientFactory(options, "test");

        Assert.Equal("refused sink:*** at the registry", factory.Redact($"refused sink:{Password} at the registry"));
        Assert.DoesNotContain(Password, options.ToString());
    }

    /// <summary>Reads one HTTP request, answers it with <paramref name="json"/>, returns the request's head.</summary>
    private static async Task<string> AnswerOnceAsync(TcpListener listener, string json)
    {
        using var socket = await listener.AcceptTcpClientAsync();
        var stream = socket.GetStream();
        var head = new StringBuilder();
        var buffer = new byte[4096];
        while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var n = await stream.ReadAsync(buffer);
            if (n == 0) break;
            head.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        var body = Encoding.UTF8.GetBytes(json);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.schemaregistry.v1+json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"));
        await stream.WriteAsync(body);
        return head.ToString();
    }
}
