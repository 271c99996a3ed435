using System.CommandLine;
using System.Text;
using Jailhouse.Config;
using Jailhouse.Config.Model;
using Jailhouse.Config.Text;
using Jailhouse.DeviceTree;
using Jailhouse.Generate;

namespace Jailhouse.Cli;

/// <summary>The device-tree mode of `jailhouse config create` (ARM root cell) and `jailhouse config cell` (a non-root cell carved from a root cell).</summary>
internal static class CellGenerateCommands
{
    public static void AddTo(Command config)
    {
        config.Subcommands.Add(Cell());
    }

    private static UsageException OptionError(string option, string message) => new(option, message);

    private static ulong Size(string text, string option) =>
        NumberSyntax.TryParseSize(text, out ulong value, out string error) ? value : throw OptionError(option, error);

    /// <summary>"ADDRESS+SIZE" with sizes in the configuration syntax.</summary>
    private static AddressRange Window(string text, string option, string example)
    {
        int plus = text.IndexOf('+', StringComparison.Ordinal);
        if (plus < 0 || !NumberSyntax.TryParse(text[..plus], out ulong address, out _) || !NumberSyntax.TryParseSize(text[(plus + 1)..], out ulong size, out _)
            || size == 0 || address + size < address)
            throw OptionError(option, $"expected ADDRESS+SIZE like {example}, found \"{text}\"");
        return AddressRange.OfSize(address, size);
    }

    /// <summary>The options of `config create` the device-tree mode reads (see <see cref="ConfigCreateCommand"/>).</summary>
    internal sealed record DeviceTreeOptions(Option<string?> HypervisorMemory, Option<string?> InmateMemory, Option<string?> Arch, Option<string?> Name, Option<string[]> Ram);

    internal static int RunDeviceTree(ParseResult parse, DeviceTreeOptions options, string dtbPath, string? outPath)
    {
        string hypervisor = parse.GetValue(options.HypervisorMemory) ?? throw OptionError("--mem-hv", "a device tree gives no default: pass the hypervisor memory, e.g. --mem-hv 64M");
        string inmates = parse.GetValue(options.InmateMemory) ?? throw OptionError("--mem-inmates", "a device tree gives no default: pass the memory for non-root cells, e.g. --mem-inmates 128M (0 for none)");
        if (outPath is null)
            throw OptionError("--output", "a device-tree root cell needs -o FILE (the Linux side of the reservation goes to standard error)");
        Architecture? architecture = parse.GetValue(options.Arch) switch
        {
            null => null,
            "arm64" => Architecture.Arm64,
            "arm" => Architecture.Arm,
            var other => throw OptionError("--arch", $"expected arm64 or arm, found \"{other}\""),
        };
        var generatorOptions = new DeviceTreeRootOptions(Size(hypervisor, "--mem-hv"), Size(inmates, "--mem-inmates"), architecture, parse.GetValue(options.Name))
        {
            Ram = (parse.GetValue(options.Ram) ?? []).Select(r => Window(r, "--ram", "0x40000000+1G")).ToList(),
        };
        var result = DeviceTreeRootGenerator.Generate(FdtReader.ReadFile(dtbPath), dtbPath, generatorOptions);
        string yaml = GeneratedYaml.Write(result.Config, result.Header, outPath);
        ConfigFiles.WriteAtomically(outPath, Encoding.UTF8.GetBytes(yaml));
        foreach (string line in result.LinuxSide)
            Console.Error.WriteLine(line);
        return Program.Success;
    }

    private static Command Cell()
    {
        var root = new Option<string>("--root") { Description = "The root cell's system configuration (.yaml or .cell).", Required = true };
        var name = new Option<string>("--name") { Description = "Name of the new cell (at most 31 bytes).", Required = true };
        var cpus = new Option<string>("--cpus") { Description = "CPUs of the new cell, e.g. 2-3 (from the root cell's, never CPU 0).", Required = true };
        var memory = new Option<string>("--mem") { Description = "RAM of the new cell, e.g. 16M.", Required = true };
        var memoryBase = new Option<string?>("--mem-base") { Description = "Physical address of the RAM (default: carved from the root's inmate memory)." };
        var console = new Option<string?>("--console") { Description = "pl011@ADDRESS, 8250@ADDRESS (x86: a port below 0x10000) or virtual." };
        var pci = new Option<string[]>("--pci") { Description = "A PCI device of the root cell to pass through, BUS:DEV.FN (repeatable)." };
        var irq = new Option<string[]>("--irq") { Description = "An interrupt the root cell owns (GIC interrupt ID or IOAPIC pin; repeatable)." };
        var mmio = new Option<string[]>("--mmio") { Description = "A device window to pass through, ADDRESS+SIZE (repeatable)." };
        var others = new Option<string[]>("--other-cell") { Description = "Another non-root cell whose CPUs and memory the new one must not take (repeatable)." };
        var output = new Option<string>("--output", "-o") { Description = "The YAML cell configuration to write.", Required = true };
        var command = new Command("cell", "Generate a non-root cell configuration carved from a root cell: RAM from the inmate memory, comm region, console, PCI devices, interrupts.")
            { root, name, cpus, memory, memoryBase, console, pci, irq, mmio, others, output };
        OutputPaths.Check(command, output, root, others);
        command.SetAction(parse =>
        {
            string rootPath = parse.GetRequiredValue(root);
            var rootConfig = ConfigFiles.Load(rootPath, out _);
            if (!RangeListSyntax.TryParse(parse.GetRequiredValue(cpus), out var cpuSet, out string cpuError) || cpuSet.Any(c => c > int.MaxValue))
                throw OptionError("--cpus", cpuError);
            ulong? fixedBase = null;
            if (parse.GetValue(memoryBase) is { } baseText)
                fixedBase = NumberSyntax.TryParse(baseText, out ulong value, out string baseError) ? value : throw OptionError("--mem-base", baseError);
            var devices = new List<(ushort, ushort)>();
            foreach (string text in parse.GetValue(pci) ?? [])
                devices.Add(BdfSyntax.TryParse(text, out ushort domain, out ushort bdf, out string error) ? (domain, bdf) : throw OptionError("--pci", error));
            var interrupts = new List<long>();
            foreach (string text in parse.GetValue(irq) ?? [])
                interrupts.Add(NumberSyntax.TryParse(text, out ulong value, out string error) && value <= uint.MaxValue ? (long)value : throw OptionError("--irq", error.Length > 0 ? error : $"interrupt {text} is out of range"));
            var windows = (parse.GetValue(mmio) ?? []).Select(w => Window(w, "--mmio", "0x09010000+4K")).ToList();
            var otherCells = (parse.GetValue(others) ?? []).Select(f => (f, ConfigFiles.Load(f, out _))).ToList();
            var request = new CellRequest(parse.GetRequiredValue(name), cpuSet.Select(c => (int)c).ToList(), Size(parse.GetRequiredValue(memory), "--mem"))
            {
                MemoryBase = fixedBase,
                Console = parse.GetValue(console),
                PciDevices = devices,
                Interrupts = interrupts,
                Mmio = windows,
                OtherCells = otherCells,
            };
            var result = CellGenerator.Generate(rootConfig, rootPath, request);
            string outPath = parse.GetRequiredValue(output);
            string yaml = GeneratedYaml.Write(result.Config, result.Header, outPath);
            ConfigFiles.WriteAtomically(outPath, Encoding.UTF8.GetBytes(yaml));
            foreach (string line in result.Notes)
                Console.Error.WriteLine(line);
            return Program.Success;
        });
        return command;
    }
}
