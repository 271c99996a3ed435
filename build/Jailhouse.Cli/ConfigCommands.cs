using System.CommandLine;
using System.Text;
using Jailhouse.Config;
using Jailhouse.Boot;
using Jailhouse.Config.Binary;
using Jailhouse.Config.Check;
using Jailhouse.Config.Text;
using Jailhouse.Config.Yaml;

namespace Jailhouse.Cli;

/// <summary>`jailhouse config compile|decompile|show|check`.</summary>
internal static class ConfigCommands
{
    public static Command Create()
    {
        var config = new Command("config", "Compile, decompile and inspect system and cell configurations (format revision 14).");
        config.Subcommands.Add(Compile());
        config.Subcommands.Add(Decompile());
        config.Subcommands.Add(Show());
        config.Subcommands.Add(Check());
        GenerateCommands.AddTo(config);
        config.Subcommands.Add(ConfigCreateCommand.Create());
        CellGenerateCommands.AddTo(config);
        return config;
    }

    private static void PrintWarnings(IEnumerable<ConfigWarning> warnings)
    {
        foreach (var warning in warnings)
            Console.Error.WriteLine(warning.ToString());
    }

    private static Command Compile()
    {
        var input = new Argument<string>("IN") { Description = "YAML configuration (a binary one is re-encoded)." };
        var output = new Option<string>("--output", "-o") { Description = "The binary .cell file to write.", Required = true };
        var command = new Command("compile", "Compile a YAML configuration into a Jailhouse binary configuration.") { input, output };
        command.SetAction(parse =>
        {
            string inPath = parse.GetRequiredValue(input);
            string outPath = parse.GetRequiredValue(output);
            var model = ConfigFiles.Load(inPath, out var warnings);
            PrintWarnings(warnings);
            byte[] bytes = ConfigBinaryWriter.Write(model, inPath);
            ConfigFiles.WriteAtomically(outPath, bytes);
            return Program.Success;
        });
        return command;
    }

    private static Command Decompile()
    {
        var input = new Argument<string>("IN") { Description = "Binary configuration (.cell)." };
        var output = new Option<string?>("--output", "-o") { Description = "The YAML file to write (default: standard output)." };
        var command = new Command("decompile", "Turn a Jailhouse binary configuration into YAML that compiles back to the same bytes.") { input, output };
        command.SetAction(parse =>
        {
            string inPath = parse.GetRequiredValue(input);
            var model = ConfigFiles.Load(inPath, out var warnings);
            PrintWarnings(warnings);
            string yaml = YamlConfigWriter.Write(model, $"decompiled from {Path.GetFileName(inPath)}");
            if (parse.GetValue(output) is { } outPath)
                ConfigFiles.WriteAtomically(outPath, Encoding.UTF8.GetBytes(yaml));
            else
                Console.Out.Write(yaml);
            return Program.Success;
        });
        return command;
    }

    private static Command Show()
    {
        var input = new Argument<string>("IN") { Description = "Binary (.cell) or YAML configuration." };
        var command = new Command("show", "Print a readable summary of a configuration.") { input };
        command.SetAction(parse =>
        {
            string inPath = parse.GetRequiredValue(input);
            var model = ConfigFiles.Load(inPath, out var warnings);
            PrintWarnings(warnings);
            Console.Out.Write(ConfigSummary.Describe(model, inPath));
            return Program.Success;
        });
        return command;
    }

    private static Command Check()
    {
        var files = new Argument<string[]>("FILES")
        {
            Description = "SYSCONFIG [CELLCONFIG...]: a system configuration and the cells meant to run with it (binary or YAML); a cell alone is checked on its own.",
            Arity = ArgumentArity.OneOrMore,
        };
        var reserved = new Option<string?>("--reserved") { Description = "The memory Linux keeps off, ADDR+SIZE (e.g. 0x3a000000+82M)." };
        var board = new Option<string?>("--board") { Description = "Take the reservation from a board description, e.g. bsp/qemu-x86/board.yaml." };
        var json = new Option<bool>("--json") { Description = "Print the findings as JSON." };
        var upstream = new Option<bool>("--upstream") { Description = "The configurations are for upstream Jailhouse: skip the limits of this project's hypervisor (no SMMU driver, arm64 hypervisor memory size)." };
        var command = new Command("check",
            "Check configurations for overlaps, resources the hypervisor owns, index ranges, cross-cell conflicts and the reservation. Exit 1 on errors, 0 with warnings only.")
            { files, reserved, board, json, upstream };
        command.Validators.Add(result =>
        {
            if (result.GetValue(reserved) is not null && result.GetValue(board) is not null)
                result.AddError("--reserved and --board both give the reservation: use one");
            if (result.GetValue(reserved) is { } text && !TryParseReservation(text, out _, out string error))
                result.AddError($"--reserved: {error}");
        });
        command.SetAction(parse =>
        {
            var options = new CheckOptions { OwnHypervisor = !parse.GetValue(upstream) };
            if (parse.GetValue(reserved) is { } text && TryParseReservation(text, out var range, out _))
                options = options with { Reservation = range };
            if (parse.GetValue(board) is { } boardPath)
            {
                var description = BoardDescriptionReader.ReadFile(boardPath);
                var plan = ReservationPlanner.Plan(description);
                options = options with { Reservation = (plan.Start, plan.Size), RamBanks = description.RamBanks };
            }
            var report = ConfigChecker.CheckFiles(parse.GetRequiredValue(files), options);
            Console.Out.Write(parse.GetValue(json) ? CheckReportJson.Format(report) : CheckReportText.Format(report));
            return report.HasErrors ? Program.InvalidInput : Program.Success;
        });
        return command;
    }

    /// <summary>ADDR+SIZE, both in the configuration number syntax (SIZE may carry a unit).</summary>
    private static bool TryParseReservation(string text, out (ulong Start, ulong Size) range, out string error)
    {
        range = default;
        int plus = text.IndexOf('+');
        if (plus <= 0)
        {
            error = $"expected ADDR+SIZE (e.g. 0x3a000000+82M), found \"{text}\"";
            return false;
        }
        if (!NumberSyntax.TryParse(text[..plus], out ulong start, out error) || !NumberSyntax.TryParseSize(text[(plus + 1)..], out ulong size, out error))
            return false;
        if (start + size < start)
        {
            error = $"{text} runs past the end of the address space";
            return false;
        }
        range = (start, size);
        return true;
    }
}
