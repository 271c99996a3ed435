using System.CommandLine;
using System.Text;
using Jailhouse.Config;
using Jailhouse.Boot;
using Jailhouse.Config.Binary;
using Jailhouse.Config.Check;
using Jailhouse.Config.Text;
using Jailhouse.Config.Yaml;

namespace Jailhouse.Cli;

/// <summary>`jailhouse config compile|decompile|show|check` (and `map`, `create`, `cell` from their own files).</summary>
internal static class ConfigCommands
{
    public static Command Create()
    {
        var config = new Command("config", Flavor.HostCommands
            ? "Compile, decompile and inspect system and cell configurations (format revision 14)."
            : "Inspect and check compiled configurations (format revision 14); snapshot this machine for `config create`.");
        // The target flavour keeps what a target runs: show, check and collect.
        bool host = Flavor.HostCommands;
        if (host)
        {
            config.Subcommands.Add(Compile());
            config.Subcommands.Add(Decompile());
        }
        config.Subcommands.Add(Show());
        config.Subcommands.Add(Check());
        if (host)
        {
            config.Subcommands.Add(ConfigMapCommand.Create());
            config.Subcommands.Add(Build());
        }
        config.Subcommands.Add(ConfigCollectCommand.Create());
        if (host)
        {
            config.Subcommands.Add(ConfigCreateCommand.Create());
            config.Subcommands.Add(ConfigCellCommand.Create());
        }
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
        OutputPaths.Check(command, output, input);
        command.SetAction(parse =>
        {
            string inPath = parse.GetRequiredValue(input);
            string outPath = parse.GetRequiredValue(output);
            var model = ConfigFiles.Load(inPath, out var warnings);
            PrintWarnings(warnings);
            byte[] bytes = ConfigBinaryWriter.Write(model, inPath);
            AtomicFile.Write(outPath, bytes);
            return Program.Success;
        });
        return command;
    }

    private static Command Decompile()
    {
        var input = new Argument<string>("IN") { Description = "Binary configuration (.cell)." };
        var output = new Option<string?>("--output", "-o") { Description = "The YAML file to write (default: standard output)." };
        var command = new Command("decompile", "Turn a Jailhouse binary configuration into YAML that compiles back to the same bytes.") { input, output };
        OutputPaths.Check(command, output, input);
        command.SetAction(parse =>
        {
            string inPath = parse.GetRequiredValue(input);
            var model = ConfigFiles.Load(inPath, out var warnings);
            PrintWarnings(warnings);
            string yaml = YamlConfigWriter.Write(model, $"decompiled from {Path.GetFileName(inPath)}");
            if (parse.GetValue(output) is { } outPath)
                AtomicFile.Write(outPath, Encoding.UTF8.GetBytes(yaml));
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
            Description = "SYSCONFIG [CELLCONFIG...]: a system configuration and the cells meant to run with it (binary or YAML); a cell alone is checked on its own. " +
                "None with --board: the board's configurations (configs/<board>/).",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var reserved = new Option<string?>("--reserved") { Description = "The memory Linux keeps off, ADDR+SIZE (e.g. 0x3a000000+82M)." };
        var board = new Option<string?>("--board") { Description = "Take the reservation from a board description, e.g. bsp/qemu-x86/board.yaml; without FILES, check all of the board's configurations." };
        var json = new Option<bool>("--json") { Description = "Print the findings as JSON." };
        var upstream = new Option<bool>("--upstream") { Description = "The configurations are for upstream Jailhouse: skip the limits of this project's hypervisor (no SMMU driver, arm64 hypervisor memory size)." };
        var command = new Command("check",
            "Check configurations for overlaps, resources the hypervisor owns, index ranges, cross-cell conflicts and the reservation. Exit 1 on errors, 0 with warnings only.")
            { files, reserved, json, upstream };
        // Board descriptions live in the source tree, not on targets.
        if (Flavor.HostCommands)
            command.Options.Add(board);
        command.Validators.Add(result =>
        {
            if (result.GetValue(reserved) is not null && result.GetValue(board) is not null)
                result.AddError("--reserved and --board both give the reservation: use one");
            if (result.GetValue(reserved) is { } text && !TryParseReservation(text, out _, out string error))
                result.AddError($"--reserved: {error}");
            if ((result.GetValue(files) ?? []).Length == 0 && result.GetValue(board) is null)
                result.AddError(Flavor.HostCommands ? "expected SYSCONFIG [CELLCONFIG...], or --board for all of a board's configurations" : "expected SYSCONFIG [CELLCONFIG...]");
        });
        command.SetAction(parse =>
        {
            var options = new CheckOptions { OwnHypervisor = !parse.GetValue(upstream) };
            if (parse.GetValue(reserved) is { } text && TryParseReservation(text, out var range, out _))
                options = options with { Reservation = range };
            string[] paths = parse.GetValue(files) ?? [];
            if (Flavor.HostCommands && parse.GetValue(board) is { } boardPath)
            {
                var description = BoardDescriptionReader.ReadFile(boardPath);
                options = BoardCheckOptions(description);
                if (paths.Length == 0)
                    return CheckBoard(BoardConfigurations.Find(BoardConfigurations.DefaultDirectory(boardPath, description), description), options, parse.GetValue(json));
            }
            var report = ConfigChecker.CheckFiles(paths, options);
            Console.Out.Write(parse.GetValue(json) ? CheckReportJson.Format(report) : CheckReportText.Format(report));
            return report.HasErrors ? Program.InvalidInput : Program.Success;
        });
        return command;
    }

    /// <summary>The reservation and RAM banks of a board (none if it reserves nothing for Jailhouse).</summary>
    internal static CheckOptions BoardCheckOptions(BoardDescription description)
    {
        if (description.Jailhouse is null)
            return new CheckOptions { RamBanks = description.RamBanks };
        var plan = ReservationPlanner.Plan(description);
        return new CheckOptions { Reservation = (plan.Start, plan.Size), RamBanks = description.RamBanks };
    }

    /// <summary>Checks every set of a board's configurations; exit 1 if any has errors.</summary>
    private static int CheckBoard(BoardConfigurations configurations, CheckOptions options, bool json)
    {
        bool errors = false;
        foreach (var set in configurations.CheckSets())
        {
            var report = ConfigChecker.CheckFiles(set, options);
            Console.Out.Write(json ? CheckReportJson.Format(report) : CheckReportText.Format(report));
            errors |= report.HasErrors;
        }
        return errors ? Program.InvalidInput : Program.Success;
    }

    private static Command Build()
    {
        var board = new Option<string>("--board") { Description = "The board description, e.g. bsp/qemu-arm64/board.yaml.", Required = true };
        var configs = new Option<string?>("--configs") { Description = "The board's configurations (default: configs/<board>/ beside bsp/)." };
        var output = new Option<string>("--output", "-o") { Description = "Directory for the .cell files, e.g. artifacts/<board>/configs.", Required = true };
        var map = new Option<string?>("--map") { Description = "Also draw the board's map (as `config map --board` does) into this .html or .svg file, e.g. artifacts/<board>/configs/map.html." };
        var force = UpToDateCommands.ForceOption();
        var command = new Command("build",
            "Compile every YAML configuration of a board into OUTPUT/*.cell (each skipped while its YAML is unchanged), check them as `config check --board` does, and draw the map with --map.")
            { board, configs, output, map, force };
        command.Validators.Add(result =>
        {
            if (result.GetValue(map) is { } path && Path.GetExtension(path).ToLowerInvariant() is not (".html" or ".htm" or ".svg"))
                result.AddError($"--map {path}: the extension must be .html or .svg");
        });
        command.SetAction(parse =>
        {
            string boardPath = parse.GetRequiredValue(board);
            var description = BoardDescriptionReader.ReadFile(boardPath);
            var found = BoardConfigurations.Find(parse.GetValue(configs) ?? BoardConfigurations.DefaultDirectory(boardPath, description), description);
            string outputDirectory = parse.GetRequiredValue(output);
            int compiled = 0;
            foreach (string yaml in found.Files)
            {
                string name = Path.GetFileNameWithoutExtension(yaml);
                string cell = Path.Combine(outputDirectory, name + ".cell");
                var stamp = new BuildStamp(BuildStamp.Beside(outputDirectory, $"configs/{name}")).File(yaml);
                if (stamp.Run([cell], parse.GetValue(force), () =>
                {
                    var model = ConfigFiles.Load(yaml, out var warnings);
                    PrintWarnings(warnings);
                    AtomicFile.Write(cell, ConfigBinaryWriter.Write(model, yaml), createDirectory: true);
                }))
                    compiled++;
            }
            // A configuration removed from configs/ leaves no .cell behind for board assembly to ship.
            var current = found.Files.Select(f => Path.GetFileNameWithoutExtension(f) + ".cell").ToHashSet(StringComparer.Ordinal);
            if (Directory.Exists(outputDirectory))
                foreach (string stale in Directory.EnumerateFiles(outputDirectory, "*.cell").Where(f => !current.Contains(Path.GetFileName(f))))
                    File.Delete(stale);
            if (compiled == 0 && found.Files.Count > 0)
                UpToDateCommands.ReportSkipped($"{description.Name} configurations");
            else
                Console.WriteLine($"{description.Name}: {compiled} of {found.Files.Count} configuration(s) compiled into {outputDirectory}");
            int exit = CheckBoard(found, BoardCheckOptions(description), json: false);
            if (parse.GetValue(map) is { } mapPath)
            {
                // The map is drawn from the same YAML files and the board's plan.
                var mapStamp = new BuildStamp(BuildStamp.Beside(outputDirectory, $"configs/{Path.GetFileName(mapPath)}")).Files(found.Files).File(boardPath);
                string format = Path.GetExtension(mapPath).ToLowerInvariant() == ".svg" ? "svg" : "html";
                if (mapStamp.Run([mapPath], parse.GetValue(force), () =>
                    AtomicFile.Write(mapPath, ConfigMapCommand.BoardMap(boardPath, description, [], separately: true, format), createDirectory: true)))
                    Console.WriteLine($"{description.Name}: map -> {mapPath}");
                else
                    UpToDateCommands.ReportSkipped($"{description.Name} map");
            }
            return exit;
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
