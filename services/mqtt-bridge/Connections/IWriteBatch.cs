namespace Pipeline.MqttBridge.Connections;

/// <summary>Writes to a connection between <see cref="Begin"/> and <see cref="EndAsync"/> leave together (one socket write).</summary>
public interface IWriteBatch
{
    void Begin();

    /// <summary>Writes what the batch held; nested batches write when the outermost ends.</summary>
    Task EndAsync();
}
