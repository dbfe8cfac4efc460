namespace Pipeline.TestSupport;

/// <summary>Waits for a condition by polling it with a deadline; tests never wait by sleeping a fixed time.</summary>
public static class Eventually
{
    public static async Task<T> HoldsAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        T last;
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            last = await probe();
            if (condition(last))
                return last;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"After {timeout.TotalSeconds:0.#} s: {what} (last value: {last}).");
            await Task.Delay(delay);
            delay = TimeSpan.FromMilliseconds(Math.Min(500, delay.TotalMilliseconds * 2));
        }
    }

    public static Task HoldsAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        HoldsAsync(() => Task.FromResult(condition()), ok => ok, timeout, what);
}
