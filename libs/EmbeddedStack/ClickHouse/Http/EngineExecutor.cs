using System.Collections.Concurrent;

namespace Pipeline.EmbeddedStack.ClickHouse.Http;

/// <summary>
/// Runs engine calls on one dedicated thread. chDB executes one statement at a time anyway, and
/// a request waiting for its turn then awaits a task instead of blocking a thread-pool thread
/// (on a 2-core machine a burst of blocked pool threads starves Kestrel and everything else).
/// </summary>
internal sealed class EngineExecutor : IDisposable
{
    private readonly BlockingCollection<Action> _work = new();
    private readonly Thread _thread;

    public EngineExecutor()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "chdb-executor" };
        _thread.Start();
    }

    public Task<T> RunAsync<T>(Func<T> call)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try { completion.SetResult(call()); }
            catch (Exception e) { completion.SetException(e); }
        });
        return completion.Task;
    }

    private void Run()
    {
        foreach (var item in _work.GetConsumingEnumerable())
            item();
    }

    public void Dispose()
    {
        _work.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(30));
        _work.Dispose();
    }
}
