using System.CommandLine;
using Jailhouse.Config;
using Jailhouse.Config.Text;
using Jailhouse.DeviceTree;

namespace Jailhouse.Cli;

/// <summary>`jailhouse dt show|edit`: read and edit flattened device trees.</summary>
internal static class DtCommands
{
    public static Command Create()
    {
        var dt = new Command("dt", "Show and edit device tree blobs (DTB version 17).");
        dt.Subcommands.Add(Show());
        dt.Subcommands.Add(Edit());
        return dt;
    }

    private static Command Show()
    {
        var input = new Argument<string>("IN.dtb") { Description = "Device tree blob." };
        var command = new Command("show", "Print a device tree as DTS-like text.") { input };
        command.SetAction(parse =>
        {
            Console.Out.Write(FdtText.Write(FdtReader.ReadFile(parse.GetRequiredValue(input))));
            return Program.Success;
        });
        return command;
    }

    /// <summary>"ADDR+SIZE" with sizes in the configuration syntax (0x7c000000+64M).</summary>
    private static (ulong Address, ulong Size) Range(string text, string option)
    {
        int plus = text.IndexOf('+', StringComparison.Ordinal);
        if (plus < 0 || !NumberSyntax.TryParse(text[..plus], out ulong address, out _) || !NumberSyntax.TryParseSize(text[(plus + 1)..], out ulong size, out _) || size == 0)
            throw new UsageException(option, $"expected ADDRESS+SIZE like 0x7c000000+64M, found \"{text}\"");
        return (address, size);
    }

    private static Command Edit()
    {
        var input = new Argument<string>("IN.dtb") { Description = "Device tree blob to edit." };
        var output = new Option<string>("--output", "-o") { Description = "The edited blob to write.", Required = true };
        var reserve = new Option<string[]>("--reserve") { Description = "Add a /reserved-memory no-map child: ADDRESS+SIZE[:NAME] (repeatable).", AllowMultipleArgumentsPerToken = false };
        var bootargs = new Option<string?>("--bootargs") { Description = "Set /chosen bootargs." };
        var stdoutPath = new Option<string?>("--stdout-path") { Description = "Set /chosen stdout-path." };
        var shrink = new Option<string[]>("--shrink-memory") { Description = "Remove ADDRESS+SIZE from the /memory banks (repeatable)." };
        var disable = new Option<string[]>("--disable") { Description = "Set status = \"disabled\" on a node path (repeatable)." };
        var command = new Command("edit", "Edit a device tree for Jailhouse: reserve memory, set the command line and console, shrink /memory, disable devices handed to cells.")
            { input, output, reserve, bootargs, stdoutPath, shrink, disable };
        OutputPaths.Check(command, output, input);
        command.SetAction(parse =>
        {
            string inPath = parse.GetRequiredValue(input);
            var fdt = FdtReader.ReadFile(inPath);
            try
            {
                foreach (string item in parse.GetValue(reserve) ?? [])
                {
                    int colon = item.IndexOf(':', StringComparison.Ordinal);
                    var (address, size) = Range(colon < 0 ? item : item[..colon], "--reserve");
                    FdtEdits.Reserve(fdt, address, size, colon < 0 ? "jailhouse" : item[(colon + 1)..]);
                }
                foreach (string item in parse.GetValue(shrink) ?? [])
                {
                    var (address, size) = Range(item, "--shrink-memory");
                    FdtEdits.ShrinkMemory(fdt, address, size);
                }
                foreach (string path in parse.GetValue(disable) ?? [])
                    FdtEdits.Disable(fdt, path);
            }
            catch (ArgumentException e)
            {
                throw new InputException(new SourceLocation(inPath, 0, 0), e.Message);
            }
            if (parse.GetValue(bootargs) is { } args)
                FdtEdits.SetBootargs(fdt, args);
            if (parse.GetValue(stdoutPath) is { } stdout)
                FdtEdits.SetStdoutPath(fdt, stdout);
            AtomicFile.Write(parse.GetRequiredValue(output), FdtWriter.Write(fdt));
            return Program.Success;
        });
        return command;
    }
}
