namespace Pipeline.ServiceDefaults.Kafka.Topics;

/// <summary>
/// A topic this service relies on is missing or has the wrong cleanup.policy. Waiting cannot help (topics are
/// provisioned, not auto-created), so the service stops with exit code 78 and a message naming the topic and the
/// setting (<see cref="ServiceRun.RunServiceAsync"/>).
/// </summary>
public sealed class KafkaTopicsException(string message) : Exception(message);
