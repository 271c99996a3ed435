using System.CommandLine;
using System.CommandLine.Parsing;

namespace Jailhouse.Cli;

/// <summary>
/// Output paths are checked while the command line is parsed, before any work: a usage error
/// (exit 2) if a path is empty, names a directory, lies in a directory that does not exist (none
/// is created unless a command says so) or is one of the command's inputs (it would be overwritten).
/// </summary>
internal static class OutputPaths
{
    /// <summary>Checks <paramref name="output"/> (an option or argument naming a file to write) against <paramref name="inputs"/>.</summary>
    public static void Check(Command command, Symbol output, params Symbol[] inputs)
    {
        command.Validators.Add(result =>
        {
            foreach (string path in Values(result, output))
            {
                string? problem = Problem(path, inputs.SelectMany(i => Values(result, i)));
                if (problem is not null)
                    result.AddError($"{Name(output)}: {problem}");
            }
        });
    }

    /// <summary>For an output directory that the command creates itself: only the empty path is refused.</summary>
    public static void CheckDirectory(Command command, Symbol output)
    {
        command.Validators.Add(result =>
        {
            foreach (string path in Values(result, output))
                if (path.Length == 0)
                    result.AddError($"{Name(output)}: an empty path: name the directory to write to");
        });
    }

    private static string Name(Symbol symbol) => symbol is Option option ? option.Name : symbol.Name;

    private static IEnumerable<string> Values(CommandResult result, Symbol symbol) => symbol switch
    {
        Option<string> option => result.GetValue(option) is { } value ? [value] : [],
        Option<string[]> option => result.GetValue(option) ?? [],
        Argument<string> argument => result.GetValue(argument) is { } value ? [value] : [],
        Argument<string[]> argument => result.GetValue(argument) ?? [],
        _ => throw new ArgumentException($"{symbol.Name} is not a path", nameof(symbol)),
    };

    internal static string? Problem(string path, IEnumerable<string> inputs)
    {
        if (path.Length == 0)
            return "an empty path: name the file to write";
        if (path.EndsWith('/') || Directory.Exists(path))
            return $"{path} names a directory: name the file to write";
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return $"\"{path}\" is not a usable path";
        }
        string directory = Path.GetDirectoryName(full) ?? "/";
        if (!Directory.Exists(directory))
            return $"the directory {directory} does not exist (it is not created)";
        string target = Resolve(full);
        foreach (string input in inputs)
            if (input.Length > 0 && Resolve(Path.GetFullPath(input)) == target)
                return $"{path} is also an input of the command: write to another file";
        return null;
    }

    /// <summary>The file a path ends at, through symbolic links, so a link to an input counts as the input.</summary>
    private static string Resolve(string full)
    {
        try
        {
            return File.ResolveLinkTarget(full, returnFinalTarget: true)?.FullName ?? full;
        }
        catch (IOException)
        {
            return full;
        }
    }
}
