using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Jailhouse.Config;
using Jailhouse.Config.Model;
using Jailhouse.Driver;

namespace Jailhouse.Cli;

/// <summary>
/// The commands that run on the target, with upstream's syntax: `enable`, `disable`,
/// `cell create|load|start|shutdown|destroy|list|stats`, `console`. They drive /dev/jailhouse
/// (ioctl) and read /sys/devices/jailhouse. The driver's errno comes back as the message; its
/// kernel log line (dmesg) says why.
/// </summary>
internal static class TargetCommands
{
    /// <summary>How the commands reach the driver: /dev/jailhouse, or a fake in tests and the fuzzer.</summary>
    internal static Func<IJailhouseDriver> OpenDriver { get; set; } = () => JailhouseDevice.OpenDevice();

    /// <summary>The driver's sysfs tree: /sys/devices/jailhouse, or a copy in tests and the fuzzer.</summary>
    internal static Func<SysfsTree> Sysfs { get; set; } = () => new SysfsTree();

    public static IEnumerable<Command> Create()
    {
        yield return Enable();
        yield return Disable();
        yield return Cell();
        yield return ConsoleCommand();
    }

    private static Command Enable()
    {
        var config = new Argument<string>("SYSCONFIG") { Description = "The system configuration (.cell), e.g. /etc/jailhouse/qemu-arm64.cell." };
        var command = new Command("enable", "Load the hypervisor (/lib/firmware/jailhouse.bin) and start it with a system configuration.") { config };
        command.SetAction(parse =>
        {
            string path = parse.GetRequiredValue(config);
            byte[] bytes = ReadConfig(path, JailhouseConfig.SystemSignature, "system");
            return OnDevice("enable", device => device.Enable(bytes), HintForEnable);
        });
        return command;
    }

    private static Command Disable()
    {
        var command = new Command("disable", "Stop the hypervisor; every cell's CPUs return to Linux.");
        command.SetAction(_ => OnDevice("disable", device => device.Disable()));
        return command;
    }

    private static Command Cell()
    {
        var cell = new Command("cell", "Create, load, start, shut down, destroy, list and watch cells.");

        var config = new Argument<string>("CONFIG") { Description = "The cell configuration (.cell)." };
        var create = new Command("create", "Create a cell: its CPUs go offline in Linux and move to the cell.") { config };
        create.SetAction(parse =>
        {
            byte[] bytes = ReadConfig(parse.GetRequiredValue(config), JailhouseConfig.CellSignature, "cell");
            return OnDevice("cell create", device => device.CreateCell(bytes), HintForCell);
        });
        cell.Subcommands.Add(create);
        cell.Subcommands.Add(Load());
        cell.Subcommands.Add(ByCell("start", "Start a loaded cell.", (device, id) => device.StartCell(id)));
        cell.Subcommands.Add(ByCell("shutdown", "Stop a cell (it can be loaded and started again).", (device, id) => device.LoadCell(id, [])));
        cell.Subcommands.Add(ByCell("destroy", "Destroy a cell: its CPUs return to Linux.", (device, id) => device.DestroyCell(id)));
        cell.Subcommands.Add(List());
        cell.Subcommands.Add(Stats());
        return cell;
    }

    private static Argument<string> CellArgument() => new("NAME|ID") { Description = "The cell, by name or numeric id." };

    /// <summary>A cell by id (digits) or name; one the driver could not be given is a usage error.</summary>
    private static CellIdArgument CellId(string nameOrId)
    {
        try
        {
            return SysfsTree.IsId(nameOrId)
                ? CellIdArgument.ById(int.Parse(nameOrId, NumberStyles.None, CultureInfo.InvariantCulture))
                : CellIdArgument.ByName(nameOrId);
        }
        catch (Exception e) when (e is ArgumentException or OverflowException)
        {
            throw new UsageException("NAME|ID", e.Message);
        }
    }

    private static Command ByCell(string name, string description, Action<IJailhouseDriver, CellIdArgument> action)
    {
        var target = CellArgument();
        var command = new Command(name, description) { target };
        command.SetAction(parse =>
        {
            string nameOrId = parse.GetRequiredValue(target);
            var id = CellId(nameOrId);
            return OnDevice($"cell {name}", device => action(device, id), HintForCell);
        });
        return command;
    }

    /// <summary>
    /// `cell load NAME|ID {IMAGE | -s STRING} [-a ADDRESS] ...`: each -a belongs to the image or
    /// string before it (default address 0), so the command line is read in order. A string is
    /// loaded with its terminating NUL, as upstream's tool does.
    /// </summary>
    private static Command Load()
    {
        var target = CellArgument();
        var images = new Argument<string[]>("IMAGE") { Description = "Image files to load, each optionally followed by -a ADDRESS.", Arity = ArgumentArity.ZeroOrMore };
        var text = new Option<string[]>("--string", "-s") { Description = "Load this string (NUL-terminated) instead of a file." };
        var address = new Option<string[]>("--address", "-a") { Description = "Load address (in the cell) of the image or string before it; default 0." };
        var command = new Command("load", "Shut the cell down and copy images into its loadable memory.") { target, images, text, address };
        command.SetAction(parse =>
        {
            var id = CellId(parse.GetRequiredValue(target));
            var loads = LoadList(parse.Tokens, text, address);
            return OnDevice("cell load", device => device.LoadCell(id, loads), HintForCell);
        });
        return command;
    }

    private static List<(byte[] Data, ulong Address)> LoadList(IReadOnlyList<Token> tokens, Option<string[]> text, Option<string[]> address)
    {
        static bool Is(Token token, Option option) =>
            token.Type == TokenType.Option && (token.Value == option.Name || option.Aliases.Contains(token.Value));

        var loads = new List<(byte[] Data, ulong Address)>();
        // After "load" the first argument is the cell; every further argument is an image file.
        int i = tokens.ToList().FindIndex(t => t.Type == TokenType.Command && t.Value == "load") + 1;
        bool cellSeen = false;
        for (; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (Is(token, text) && i + 1 < tokens.Count)
                loads.Add((System.Text.Encoding.UTF8.GetBytes(tokens[++i].Value + "\0"), 0));
            else if (Is(token, address) && i + 1 < tokens.Count)
            {
                if (loads.Count == 0)
                    throw new UsageException("-a", "ADDRESS must follow the image it belongs to");
                if (!TryParseAddress(tokens[++i].Value, out ulong at))
                    throw new UsageException("-a", $"\"{tokens[i].Value}\" is not an address (decimal or 0x hexadecimal)");
                loads[^1] = (loads[^1].Data, at);
            }
            else if (token.Type == TokenType.Argument && !cellSeen)
                cellSeen = true;
            else if (token.Type == TokenType.Argument)
                loads.Add((InputFiles.Read(token.Value, InputLimit.CellImage), 0));
        }
        if (loads.Count == 0)
            throw new UsageException("cell load", "needs an IMAGE or -s STRING (cell shutdown stops a cell)");
        return loads;
    }

    private static bool TryParseAddress(string text, out ulong value) =>
        text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
            : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static Command List()
    {
        var command = new Command("list", "List the cells: id, name, state, assigned and failed CPUs.");
        command.SetAction(_ =>
        {
            var sysfs = Sysfs();
            if (!EnabledOrSay(sysfs))
                return Program.InvalidInput;
            Console.WriteLine($"{"ID",-8}{"Name",-24}{"State",-16}{"Assigned CPUs",-24}Failed CPUs");
            foreach (var cell in sysfs.Cells())
                Console.WriteLine($"{cell.Id,-8}{cell.Name,-24}{cell.State,-16}{cell.CpusAssigned,-24}{cell.CpusFailed}");
            return Program.Success;
        });
        return command;
    }

    private static Command Stats()
    {
        var target = CellArgument();
        var command = new Command("stats", "Print a cell's statistics (VM exits by reason, summed over its CPUs).") { target };
        command.SetAction(parse =>
        {
            var sysfs = Sysfs();
            if (!EnabledOrSay(sysfs))
                return Program.InvalidInput;
            string nameOrId = parse.GetRequiredValue(target);
            var cell = sysfs.FindCell(nameOrId);
            if (cell is null)
            {
                Console.Error.WriteLine($"jailhouse: error: no cell \"{nameOrId}\"");
                return Program.InvalidInput;
            }
            Console.WriteLine($"Statistics for {cell.Name} cell (id {cell.Id})");
            foreach (var (name, value) in SysfsTree.Statistics(cell))
                Console.WriteLine($"{name,-28}{value,12}");
            return Program.Success;
        });
        return command;
    }

    private static Command ConsoleCommand()
    {
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing what the hypervisor writes (Ctrl-C ends)." };
        var command = new Command("console", "Print the hypervisor's console (/sys/devices/jailhouse/console).") { follow };
        command.SetAction(parse =>
        {
            var sysfs = Sysfs();
            if (!sysfs.DriverLoaded)
            {
                Console.Error.WriteLine($"jailhouse: error: {sysfs.Root} is missing: the jailhouse module is not loaded (modprobe jailhouse)");
                return Program.InvalidInput;
            }
            string shown = sysfs.Console;
            Console.Write(shown);
            while (parse.GetValue(follow))
            {
                Thread.Sleep(250);
                string now = sysfs.Console;
                // The console is a ring: print what was appended, or all of it after a wrap.
                Console.Write(now.StartsWith(shown, StringComparison.Ordinal) ? now[shown.Length..] : now);
                shown = now;
            }
            return Program.Success;
        });
        return command;
    }

    private static bool EnabledOrSay(SysfsTree sysfs)
    {
        if (!sysfs.DriverLoaded)
        {
            Console.Error.WriteLine($"jailhouse: error: {sysfs.Root} is missing: the jailhouse module is not loaded (modprobe jailhouse)");
            return false;
        }
        if (!sysfs.Enabled)
        {
            Console.Error.WriteLine("jailhouse: Jailhouse is not enabled (no cells; run jailhouse enable SYSCONFIG first)");
            return false;
        }
        return true;
    }

    /// <summary>A configuration file with its signature checked, so a wrong file fails here with its name.</summary>
    private static byte[] ReadConfig(string path, string signature, string kind)
    {
        byte[] bytes = InputFiles.Read(path, InputLimit.Configuration);
        if (bytes.Length < signature.Length || System.Text.Encoding.ASCII.GetString(bytes, 0, signature.Length) != signature)
            throw new InputException(new SourceLocation(path, 0, 0), $"at byte 0: expected the signature \"{signature}\" of a {kind} configuration");
        return bytes;
    }

    private static int OnDevice(string what, Action<IJailhouseDriver> action, Func<int, string?>? hint = null)
    {
        try
        {
            using var device = OpenDriver();
            action(device);
            return Program.Success;
        }
        catch (JailhouseDeviceException e)
        {
            if (e.Request.StartsWith("open ", StringComparison.Ordinal))
            {
                string module = e.Errno == LinuxErrno.ENOENT ? ": the jailhouse module is not loaded (modprobe jailhouse)" : "";
                Console.Error.WriteLine($"jailhouse {what}: {e.Message}{module}");
                return Program.InvalidInput;
            }
            string? why = hint?.Invoke(e.Errno);
            Console.Error.WriteLine($"jailhouse {what}: {e.Message}{(why is null ? "" : $": {why}")}; the kernel log (dmesg) has the driver's reason");
            return Program.InvalidInput;
        }
    }

    private static string? HintForEnable(int errno) => errno switch
    {
        LinuxErrno.ENOENT => "the hypervisor firmware /lib/firmware/jailhouse.bin is missing",
        LinuxErrno.EINVAL => "the configuration or the hypervisor image was rejected",
        LinuxErrno.EBUSY => "already enabled, or the hypervisor memory is in use by Linux",
        LinuxErrno.ENODEV => "this CPU or kernel cannot run the hypervisor (EL2/VT-x)",
        LinuxErrno.EIO => "the hypervisor refused to start",
        _ => null,
    };

    private static string? HintForCell(int errno) => errno switch
    {
        LinuxErrno.ENOENT => "no such cell",
        LinuxErrno.EEXIST => "a cell of that name exists",
        LinuxErrno.EINVAL => "Jailhouse is not enabled, or the request was rejected",
        _ => null,
    };
}
