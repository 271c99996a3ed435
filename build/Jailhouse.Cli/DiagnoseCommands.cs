using System.CommandLine;
using Jailhouse.Config;
using Jailhouse.Config.Model;
using Jailhouse.Generate.Diagnose;
using Jailhouse.Generate.Snapshot;

namespace Jailhouse.Cli;

/// <summary>`jailhouse diagnose LOG`: explain the hypervisor's FATAL dumps and print the configuration change that fixes each.</summary>
internal static class DiagnoseCommands
{
    public static Command Create()
    {
        var log = new Argument<string>("LOG") { Description = "Hypervisor console output (e.g. a serial log) holding FATAL lines." };
        var snapshot = new Option<string?>("--snapshot") { Description = "The machine's snapshot (`jailhouse config collect`): names owners from /proc/iomem, /proc/ioports and PCI config spaces." };
        var config = new Option<string?>("--config") { Description = "The root-cell configuration that was running (YAML or .cell): what it already allows." };
        var command = new Command("diagnose",
            "Decode the hypervisor's access violations (Invalid MMIO/RAM, PIO and PCI config accesses; ARM unhandled data aborts), name the resource's owner and print the YAML that allows the access.")
        { log, snapshot, config };
        command.SetAction(parse =>
        {
            string logPath = parse.GetRequiredValue(log);
            // A serial log may hold line noise: decode leniently rather than refuse it.
            string text = System.Text.Encoding.UTF8.GetString(InputFiles.Read(logPath, InputLimit.Log));
            var snap = parse.GetValue(snapshot) is { } s ? SystemSnapshot.ReadTar(s) : null;
            JailhouseConfig? model = null;
            if (parse.GetValue(config) is { } c)
            {
                model = ConfigFiles.Load(c, out var warnings);
                foreach (var warning in warnings)
                    Console.Error.WriteLine(warning.ToString());
            }
            var dumps = FatalDumpParser.Parse(text);
            if (dumps.Count == 0)
            {
                Console.Out.WriteLine($"{logPath}: no hypervisor FATAL dump found");
                return Program.Success;
            }
            var diagnoser = new Diagnoser(snap, model);
            Console.Out.Write(Diagnoser.Report(Path.GetFileName(logPath), dumps.Select(diagnoser.Explain)));
            return Program.Success;
        });
        return command;
    }
}
