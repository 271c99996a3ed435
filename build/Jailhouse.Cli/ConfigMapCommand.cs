using System.CommandLine;
using Jailhouse.Boot;
using Jailhouse.Config;
using Jailhouse.Config.Check;
using Jailhouse.Config.Map;

namespace Jailhouse.Cli;

/// <summary>`jailhouse config map`: the partitioning of a system as a picture (SVG, HTML) or as JSON.</summary>
internal static class ConfigMapCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("FILES")
        {
            Description = "SYSCONFIG [CELLCONFIG...]: a system configuration and the cells meant to run with it (binary or YAML); " +
                "none with --board: the board's configs/<board>/ (its system configuration and every cell, as alternatives).",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var board = new Option<string?>("--board") { Description = "Show the board's RAM and reservation plan (and check against it), e.g. bsp/qemu-arm64/board.yaml." };
        var output = new Option<string?>("--output", "-o") { Description = "The file to write: .svg, .html or .json (by its extension)." };
        var alternatives = new Option<bool>("--alternatives")
        {
            Description = "The cells are alternatives, not one set: check each with the system alone (no conflicts between them are reported).",
        };
        var json = new Option<bool>("--json") { Description = "Write the map's data as JSON (to standard output without -o)." };
        var command = new Command("map",
            "Draw the physical address space of a system and its cells: RAM, reservation, hypervisor memory, each cell's regions by kind, CPUs, interrupt pins, PCI devices, and every finding of config check at its range.")
            { files, board, output, alternatives, json };
        command.Validators.Add(result =>
        {
            string? path = result.GetValue(output);
            if (path is null && !result.GetValue(json))
                result.AddError("give -o FILE.svg|FILE.html|FILE.json, or --json for JSON on standard output");
            if ((result.GetValue(files) ?? []).Length == 0 && result.GetValue(board) is null)
                result.AddError("give SYSCONFIG [CELLCONFIG...], or --board BOARD.yaml for the board's own configurations");
            if (path is not null && FormatOf(path, result.GetValue(json)) is null)
                result.AddError($"-o {path}: the extension must be .svg, .html or .json (or give --json)");
        });
        command.SetAction(parse =>
        {
            string? path = parse.GetValue(output);
            string format = FormatOf(path, parse.GetValue(json))!;
            string[] inputs = parse.GetValue(files) ?? [];
            byte[] bytes = parse.GetValue(board) is { } boardPath
                ? BoardMap(boardPath, BoardDescriptionReader.ReadFile(boardPath), inputs, parse.GetValue(alternatives), format)
                : Render(SystemMapBuilder.FromFiles(inputs, new CheckOptions(), null, parse.GetValue(alternatives)), format);
            if (path is null)
                Console.Out.Write(System.Text.Encoding.UTF8.GetString(bytes));
            else
                AtomicFile.Write(path, bytes);
            return Program.Success;
        });
        return command;
    }

    /// <summary>
    /// The map of a board: its RAM and reservation plan, checked against; without
    /// <paramref name="inputs"/> its own configurations (the cells as alternatives, as upstream's demo cells are).
    /// </summary>
    internal static byte[] BoardMap(string boardPath, BoardDescription description, string[] inputs, bool separately, string format)
    {
        var plan = ReservationPlanner.Plan(description);
        var options = ConfigCommands.BoardCheckOptions(description);
        if (inputs.Length == 0)
        {
            var configurations = BoardConfigurations.Find(BoardConfigurations.DefaultDirectory(boardPath, description), description);
            inputs = configurations.SystemFile is { } system ? [system, .. configurations.Cells]
                : throw new InputException(new SourceLocation(configurations.Directory, 0, 0),
                    $"no system configuration {description.SystemConfig ?? description.Name + ".yaml"} here to map");
            separately = true;
        }
        return Render(SystemMapBuilder.FromFiles(inputs, options, MapBoardOf(description, plan), separately), format);
    }

    private static byte[] Render(SystemMap map, string format) => format switch
    {
        "svg" => MapSvgWriter.Write(map),
        "html" => MapHtmlWriter.Write(map),
        _ => MapJsonWriter.Write(map),
    };

    private static string? FormatOf(string? path, bool json)
    {
        if (json)
            return "json";
        return Path.GetExtension(path)?.ToLowerInvariant() switch
        {
            ".svg" => "svg",
            ".html" or ".htm" => "html",
            ".json" => "json",
            _ => null,
        };
    }

    /// <summary>The board's RAM banks, firmware ranges and the planned reservation with its three parts.</summary>
    private static MapBoard MapBoardOf(BoardDescription description, ReservationPlan plan)
    {
        var banks = description.RamBanks.Select((b, i) => new MapArea($"RAM bank {i}", b.Start, b.Size, MapKind.RamBank)).ToList();
        var firmware = description.FirmwareReserved.Select(f => new MapArea("firmware-reserved", f.Start, f.Size, MapKind.Firmware)).ToList();
        var parts = new List<MapArea>();
        if (plan.InmatesSize > 0)
            parts.Add(new MapArea("inmates", plan.InmatesBase, plan.InmatesSize, MapKind.Reserved));
        if (plan.SharedMemorySize > 0)
            parts.Add(new MapArea("shared memory", plan.SharedMemoryBase, plan.SharedMemorySize, MapKind.Reserved));
        if (plan.HypervisorSize > 0)
            parts.Add(new MapArea("hypervisor", plan.HypervisorBase, plan.HypervisorSize, MapKind.Hypervisor));
        string method = plan.KernelArgument ?? (plan.Method == ReservationMethod.ReservedMemory ? "a /reserved-memory node" : plan.Method.ToString());
        return new MapBoard(description.Name, banks, firmware,
            new MapArea("reservation", plan.Start, plan.Size, MapKind.Reserved), parts, method);
    }
}
