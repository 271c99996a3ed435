using System.CommandLine;
using Jailhouse.Config;

namespace Jailhouse.Cli;

/// <summary>
/// The `jailhouse` command line. Exit codes: 0 success, 1 invalid input ("FILE:LINE:COL: error:
/// ..." or "FILE: byte offset 0xN: error: ..."), 2 usage error ("jailhouse: error: ...", also for
/// a malformed option value or output path, then a pointer to --help).
/// </summary>
public static class Program
{
    public const int Success = 0;
    public const int InvalidInput = 1;
    public const int UsageError = 2;

    public static int Main(string[] args)
    {
        var root = new RootCommand(Flavor.HostCommands
            ? "Jailhouse board-support tools: configurations, boot integration, images and the target commands."
            : "Jailhouse on the target: the hypervisor, cells, the console and compiled configurations.");
        root.Subcommands.Add(ConfigCommands.Create());
        foreach (var command in TargetCommands.Create())
            root.Subcommands.Add(command);
        if (Flavor.HostCommands)
        {
            root.Subcommands.Add(ImageCommands.Create());
            root.Subcommands.Add(PackageCommands.Create());
            root.Subcommands.Add(BoardCommands.Create());
            root.Subcommands.Add(ReleaseCommands.Create());
            root.Subcommands.Add(DtCommands.Create());
            root.Subcommands.Add(BootCommands.Create());
            root.Subcommands.Add(KconfigCommands.Create());
            root.Subcommands.Add(DiagnoseCommands.Create());
            root.Subcommands.Add(KmodCommands.Create());
            root.Subcommands.Add(HypervisorCommands.Create());
            root.Subcommands.Add(InmateCommands.Create());
            root.Subcommands.Add(UpToDateCommands.Create());
        }

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
                Console.Error.WriteLine($"jailhouse: error: {error.Message}");
            return Usage(args);
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine(e.ToString());
            return Usage(args);
        }
        catch (InputException e)
        {
            Console.Error.WriteLine(e.ToString());
            return InvalidInput;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Inputs are read through InputFiles, which names the file; this is writing or a tool's files.
            Console.Error.WriteLine($"jailhouse: error: {e.Message}");
            return InvalidInput;
        }
    }

    private static int Usage(string[] args)
    {
        Console.Error.WriteLine("Try 'jailhouse --help'" + (args.Length > 0 ? $" or 'jailhouse {string.Join(' ', args.TakeWhile(a => !a.StartsWith('-')).Take(2))} --help'." : "."));
        return UsageError;
    }
}
