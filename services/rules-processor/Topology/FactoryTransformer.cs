using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.State;

namespace Pipeline.RulesProcessor.Topology;

/// <summary>
/// Lets a module write a transformer as an ordinary class with constructor parameters. Streamiz creates
/// one transformer per task by reflection (it needs a public parameterless constructor and passes the
/// builder's parameters to a matching one); this adapter is that class and calls the factory instead.
/// </summary>
public sealed class FactoryTransformer<K, V, K1, V1> : ITransformer<K, V, K1, V1>
{
    private readonly ITransformer<K, V, K1, V1>? _inner;

    /// <summary>Only for Streamiz's <c>new()</c> constraint; the instances that run come from the other constructor.</summary>
    public FactoryTransformer()
    {
    }

    public FactoryTransformer(Func<ITransformer<K, V, K1, V1>> factory) => _inner = factory();

    private ITransformer<K, V, K1, V1> Inner =>
        _inner ?? throw new InvalidOperationException("FactoryTransformer was created without a factory.");

    public void Init(ProcessorContext<K1, V1> context) => Inner.Init(context);

    public Record<K1, V1> Process(Record<K, V> record) => Inner.Process(record);

    public void Close() => Inner.Close();

    /// <summary>A supplier that creates a fresh transformer per task from <paramref name="factory"/>, with its store.</summary>
    public static TransformerSupplier<K, V, K1, V1> Supplier(Func<ITransformer<K, V, K1, V1>> factory, IStoreBuilder? store = null)
    {
        var builder = TransformerBuilder.New<K, V, K1, V1>().Transformer<FactoryTransformer<K, V, K1, V1>>(factory);
        if (store is not null)
            builder = builder.StateStore(store);
        return builder.Build();
    }
}
