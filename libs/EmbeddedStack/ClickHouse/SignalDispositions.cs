using System.Runtime.InteropServices;

namespace Pipeline.EmbeddedStack.ClickHouse;

/// <summary>
/// Snapshot of every signal's disposition (libc sigaction), restored after chdb_connect.
/// chdb_connect installs its own handlers for SIGSEGV and the rest; the .NET runtime turns
/// SIGSEGV into NullReferenceException and uses real-time signals for thread suspension, so
/// with chDB's handlers in place a plain NullReferenceException killed the process (exit 139)
/// or hung it. chdb_set_signal_handlers_enabled(0) did not prevent this; putting the saved
/// dispositions back right after connecting did (facts.md, "Danger, checked").
/// </summary>
internal static unsafe partial class SignalDispositions
{
    private const int MaxSignal = 64;

    // glibc's struct sigaction on x86_64 is 152 bytes (handler, 128-byte mask, flags, restorer);
    // the buffer is larger so a different layout can never write past it.
    private const int SigactionSize = 256;

    [LibraryImport("libc.so.6", EntryPoint = "sigaction", SetLastError = true)]
    private static partial int Sigaction(int signal, byte* action, byte* oldAction);

    /// <summary>Reads the disposition of signals 1..64; those libc refuses (e.g. glibc's reserved 32/33) are skipped.</summary>
    public static byte[]?[] Save()
    {
        var saved = new byte[]?[MaxSignal + 1];
        for (var signal = 1; signal <= MaxSignal; signal++)
        {
            var buffer = new byte[SigactionSize];
            fixed (byte* old = buffer)
            {
                if (Sigaction(signal, null, old) == 0)
                    saved[signal] = buffer;
            }
        }
        return saved;
    }

    public static void Restore(byte[]?[] saved)
    {
        for (var signal = 1; signal < saved.Length; signal++)
        {
            var buffer = saved[signal];
            if (buffer is null || signal is 9 or 19) // SIGKILL and SIGSTOP cannot be changed
                continue;
            fixed (byte* action = buffer)
                Sigaction(signal, action, null);
        }
    }
}
