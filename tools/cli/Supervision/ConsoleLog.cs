namespace Pipeline.Cli.Supervision;

/// <summary>Interleaves the services' output on one console, each line prefixed with the service's name.</summary>
public sealed class ConsoleLog
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ConsoleColor> _colors = new();
    private static readonly ConsoleColor[] Palette = [ConsoleColor.Cyan, ConsoleColor.Green, ConsoleColor.Magenta, ConsoleColor.Yellow, ConsoleColor.Blue];

    public void Line(string source, string text) => Write(source, text, null);

    public void Error(string source, string text) => Write(source, text, ConsoleColor.Red);

    private void Write(string source, string text, ConsoleColor? textColor)
    {
        lock (_lock)
        {
            if (!_colors.TryGetValue(source, out var color))
                _colors[source] = color = Palette[_colors.Count % Palette.Length];
            var redirected = Console.IsOutputRedirected;
            if (!redirected) Console.ForegroundColor = color;
            Console.Write($"{source,-18}| ");
            if (!redirected)
            {
                if (textColor is { } c) Console.ForegroundColor = c;
                else Console.ResetColor();
            }
            Console.WriteLine(text);
            if (!redirected) Console.ResetColor();
        }
    }
}
