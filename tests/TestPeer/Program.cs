using Pipeline.TestPeer;

var commands = typeof(IPeerCommand).Assembly.GetTypes()
    .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IPeerCommand).IsAssignableFrom(t))
    .Select(t => (IPeerCommand)Activator.CreateInstance(t)!)
    .ToDictionary(c => c.Name);

if (args.Length == 0 || !commands.TryGetValue(args[0], out var command))
{
    Console.Error.WriteLine($"usage: Pipeline.TestPeer <{string.Join('|', commands.Keys)}> [args]");
    return 2;
}
return await command.RunAsync(args[1..]);
