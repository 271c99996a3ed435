using System.Text;
using Jailhouse.Config.Model;
using Jailhouse.Config.Text;

namespace Jailhouse.Config;

/// <summary>A human-readable overview of a configuration, for `jailhouse config show`.</summary>
public static class ConfigSummary
{
    public static string Describe(JailhouseConfig config, string file)
    {
        var text = new StringBuilder();
        string arch = Names.Architecture.FormatValue((ulong)config.Architecture);
        text.Append($"{file}: {(config.IsSystem ? "system" : "cell")} configuration, {arch}, revision {JailhouseConfig.Revision}\n");
        if (config.System is { } system)
            DescribeSystem(text, system);
        DescribeCell(text, config.Cell, config.IsSystem ? "root cell" : "cell");
        return text.ToString();
    }

    private static string Range(ulong start, ulong size) =>
        size == 0 ? $"0x{start:x8} (empty)" : $"0x{start:x8}-0x{start + size - 1:x8}";

    private static string Flags(NameTable table, ulong value) =>
        value == 0 ? "-" : string.Join(",", table.FormatFlags(value));

    private static void DescribeSystem(StringBuilder text, SystemConfig system)
    {
        var hv = system.HypervisorMemory;
        text.Append($"  hypervisor memory: {Range(hv.PhysStart, hv.Size)} ({NumberSyntax.Size(hv.Size)})\n");
        if (system.Flags != 0)
            text.Append($"  flags: {Flags(Names.SystemFlags, (ulong)system.Flags)}\n");
        if (!system.DebugConsole.IsEmpty)
            text.Append($"  debug console: {Console(system.DebugConsole)}\n");
        var p = system.Platform;
        if (p.PciMmconfigBase != 0)
            text.Append($"  PCI: MMCONFIG at 0x{p.PciMmconfigBase:x8}, buses 0-{p.PciMmconfigEndBus}, domain {p.PciDomain}{(p.PciIsVirtual != 0 ? ", virtual" : "")}\n");
        foreach (var unit in p.IommuUnits)
            text.Append($"  IOMMU: {Names.IommuType.FormatValue((ulong)unit.Type)} at {Range(unit.Base, unit.Size)}\n");
        if (p.Arm is { } arm)
        {
            text.Append($"  GICv{arm.GicVersion}: maintenance IRQ {arm.MaintenanceIrq}");
            foreach (var (name, value) in new[] { ("GICD", arm.GicdBase), ("GICC", arm.GiccBase), ("GICH", arm.GichBase), ("GICV", arm.GicvBase), ("GICR", arm.GicrBase) })
                if (value != 0)
                    text.Append($", {name} 0x{value:x8}");
            text.Append('\n');
        }
        if (p.X86 is { } x86)
            text.Append($"  x86: PM timer port 0x{x86.PmTimerAddress:x}, APIC mode {Names.ApicMode.FormatValue((ulong)x86.ApicMode)}, VT-d interrupt limit {x86.VtdInterruptLimit}\n");
    }

    private static string Console(ConsoleConfig console) =>
        $"{Names.ConsoleType.FormatValue((ulong)console.Type)} at 0x{console.Address:x} ({NumberSyntax.Size(console.Size)}), flags {Flags(Names.ConsoleFlags, (ulong)console.Flags)}";

    private static void DescribeCell(StringBuilder text, CellConfig cell, string kind)
    {
        text.Append($"{kind} \"{cell.Name}\": CPUs {RangeListSyntax.Format(cell.Cpus.Select(c => (long)c))}");
        if (cell.Flags != 0)
            text.Append($", flags {Flags(Names.CellFlags, (ulong)cell.Flags)}");
        text.Append('\n');
        if (!cell.Console.IsEmpty)
            text.Append($"  console: {Console(cell.Console)}\n");
        if (cell.MemoryRegions.Count > 0)
        {
            text.Append($"  memory regions ({cell.MemoryRegions.Count}):\n");
            for (int i = 0; i < cell.MemoryRegions.Count; i++)
            {
                var r = cell.MemoryRegions[i];
                string virt = r.VirtStart == r.PhysStart ? "" : $" -> 0x{r.VirtStart:x8}";
                string name = r.Name is null ? "" : $"  {r.Name}";
                text.Append($"    {i,3}  {Range(r.PhysStart, r.Size)}{virt}  {NumberSyntax.Size(r.Size),10}  {Flags(Names.MemoryFlags, (ulong)r.Flags)}{name}\n");
            }
        }
        foreach (var cache in cell.CacheRegions)
            text.Append($"  cache: {Names.CacheType.FormatValue((ulong)cache.Type)} start {cache.Start} size {cache.Size}, flags {Flags(Names.CacheFlags, (ulong)cache.Flags)}\n");
        foreach (var chip in cell.Irqchips)
            text.Append($"  irqchip 0x{chip.Address:x8} (id 0x{chip.Id:x}): pins {RangeListSyntax.Format(chip.Pins())}\n");
        if (cell.PioRanges.Count > 0)
            text.Append($"  PIO: {string.Join(", ", cell.PioRanges.Select(p => p.Length == 0 ? $"0x{p.Base:x} (empty)" : $"0x{p.Base:x}-0x{p.Base + p.Length - 1:x}"))}\n");
        foreach (var device in cell.PciDevices)
        {
            text.Append($"  PCI {BdfSyntax.Format(device.Domain, device.Bdf)} {Names.PciDeviceType.FormatValue((ulong)device.Type)}");
            if (device.Capabilities.Count > 0)
                text.Append($", caps {string.Join(",", device.Capabilities.Select(c => Names.PciCapabilityId.FormatValue(c.Id)))}");
            if (device.NumMsiVectors > 0)
                text.Append($", {device.NumMsiVectors} MSI");
            if (device.NumMsixVectors > 0)
                text.Append($", {device.NumMsixVectors} MSI-X at 0x{device.MsixAddress:x}");
            if (device.Type == PciDeviceType.Ivshmem)
                text.Append($", shmem peer {device.ShmemDevId} of {device.ShmemPeers}, {Names.ShmemProtocol.FormatValue(device.ShmemProtocol)}");
            text.Append('\n');
        }
        if (cell.StreamIds.Count > 0)
            text.Append($"  stream IDs: {string.Join(", ", cell.StreamIds.Select(id => $"0x{id:x}"))}\n");
    }
}
