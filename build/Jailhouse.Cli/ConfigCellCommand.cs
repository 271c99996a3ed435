using System.CommandLine;
using System.Text;
using Jailhouse.Config;
using Jailhouse.Config.Text;
using Jailhouse.Generate;

namespace Jailhouse.Cli;

/// <summary>`jailhouse config cell`: a non-root cell configuration carved from a root cell.</summary>
internal static class ConfigCellCommand
{
    public static Command Create()
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
                throw OptionValues.Error("--cpus", cpuError);
            ulong? fixedBase = null;
            if (parse.GetValue(memoryBase) is { } baseText)
                fixedBase = NumberSyntax.TryParse(baseText, out ulong value, out string baseError) ? value : throw OptionValues.Error("--mem-base", baseError);
            var devices = new List<(ushort, ushort)>();
            foreach (string text in parse.GetValue(pci) ?? [])
                devices.Add(BdfSyntax.TryParse(text, out ushort domain, out ushort bdf, out string error) ? (domain, bdf) : throw OptionValues.Error("--pci", error));
            var interrupts = new List<long>();
            foreach (string text in parse.GetValue(irq) ?? [])
                interrupts.Add(NumberSyntax.TryParse(text, out ulong value, out string error) && value <= uint.MaxValue ? (long)value : throw OptionValues.Error("--irq", error.Length > 0 ? error : $"interrupt {text} is out of range"));
            var windows = (parse.GetValue(mmio) ?? []).Select(w => OptionValues.Window(w, "--mmio", "0x09010000+4K")).ToList();
            var otherCells = (parse.GetValue(others) ?? []).Select(f => (f, ConfigFiles.Load(f, out _))).ToList();
            var request = new CellRequest(parse.GetRequiredValue(name), cpuSet.Select(c => (int)c).ToList(), OptionValues.Size(parse.GetRequiredValue(memory), "--mem"))
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
            AtomicFile.Write(outPath, Encoding.UTF8.GetBytes(yaml));
            foreach (string line in result.Notes)
                Console.Error.WriteLine(line);
            return Program.Success;
        });
        return command;
    }
}
