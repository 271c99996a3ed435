using System.CommandLine;
using Jailhouse.Generate.Snapshot;

namespace Jailhouse.Cli;

/// <summary>
/// `jailhouse config collect`, on the target: snapshot the /proc and /sys files that `config
/// create --snapshot` and `diagnose` read into a tar.
/// </summary>
internal static class ConfigCollectCommand
{
    public static Command Create()
    {
        var output = new Argument<string>("OUT") { Description = "The tar file to write (e.g. machine.tar)." };
        var root = new Option<string>("--root") { Description = "Read proc/ and sys/ below this directory instead of / (for tests and copies).", DefaultValueFactory = _ => "/" };
        var command = new Command("collect",
            "On the target, as root: snapshot the files of /proc and /sys that `config create` and `diagnose` read (memory and I/O maps, PCI config spaces, ACPI tables, CPUs) into a tar.")
        { output, root };
        OutputPaths.Check(command, output);
        command.SetAction(parse =>
        {
            string outPath = parse.GetRequiredValue(output);
            var snapshot = SnapshotCollector.Collect(parse.GetValue(root) ?? "/", out var warnings);
            foreach (string warning in warnings)
                Console.Error.WriteLine($"jailhouse: warning: {warning}");
            AtomicFile.Write(outPath, snapshot.ToTar());
            Console.Out.WriteLine($"{outPath}: {snapshot.Paths.Count()} files");
            return Program.Success;
        });
        return command;
    }
}
