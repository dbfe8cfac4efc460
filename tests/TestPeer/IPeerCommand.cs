namespace Pipeline.TestPeer;

/// <summary>One thing the peer process can do for a test; output goes to stdout for the test to read.</summary>
public interface IPeerCommand
{
    string Name { get; }
    Task<int> RunAsync(string[] args);
}
