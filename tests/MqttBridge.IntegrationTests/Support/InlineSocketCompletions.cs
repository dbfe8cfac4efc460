using System.Runtime.CompilerServices;

namespace Pipeline.MqttBridge.IntegrationTests.Support;

/// <summary>
/// The bridge process runs socket continuations on the socket engine's threads (SocketCompletions, called first in services/mqtt-bridge/Program.cs).
/// The bridges these tests host in-process do not run that Program, so the same switch is set here, before the
/// first socket: the tests then check the receive path in the mode production runs it, where a blocking call on it
/// would stall every connection of its engine.
/// </summary>
internal static class InlineSocketCompletions
{
    [ModuleInitializer]
    internal static void RunInline() => Pipeline.MqttBridge.Hosting.SocketCompletions.RunInlineUnlessConfigured();
}
