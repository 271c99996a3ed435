using System.Text;
using Jailhouse.Config.Model;
using Jailhouse.Config.Text;

namespace Jailhouse.Config.Yaml;

/// <summary>
/// Writes the YAML configuration format. Entries that PCI devices refer to get names (kept when
/// the model has them, generated otherwise), so the output compiles back to the same bytes.
/// </summary>
public sealed class YamlConfigWriter
{
    private readonly StringBuilder text = new();
    private readonly Dictionary<object, string> names = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<object, string> comments = new(ReferenceEqualityComparer.Instance);

    public static string Write(JailhouseConfig config, string? header = null)
    {
        var writer = new YamlConfigWriter();
        writer.WriteConfig(config, header);
        return writer.text.ToString();
    }

    private void Line(int indent, string line) => text.Append(' ', indent * 2).Append(line).Append('\n');

    private static string Quote(string value)
    {
        var quoted = new StringBuilder("\"");
        foreach (char c in value)
        {
            quoted.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\t' => "\\t",
                < ' ' => $"\\x{(int)c:x2}",
                _ => c.ToString(),
            });
        }
        return quoted.Append('"').ToString();
    }

    /// <summary>Addresses as upstream writes them: at least 8 hex digits.</summary>
    private static string Address(ulong value) => value <= uint.MaxValue ? $"0x{value:x8}" : $"0x{value:x}";

    private static string FlowList(IEnumerable<string> items) => "[" + string.Join(", ", items) + "]";

    private void WriteConfig(JailhouseConfig config, string? header)
    {
        Line(0, "# Jailhouse " + (config.IsSystem ? "system" : "cell") + " configuration (format revision 14)");
        if (header is not null)
            foreach (string line in header.Split('\n'))
                Line(0, "# " + line);
        Line(0, $"arch: {Names.Architecture.FormatValue((ulong)config.Architecture)}");
        AssignNames(config.Cell);
        if (config.System is { } system)
        {
            Line(0, "system:");
            WriteSystem(system);
            Line(0, "root-cell:");
        }
        else
        {
            Line(0, "cell:");
        }
        WriteCell(config.Cell);
    }

    private void WriteSystem(SystemConfig system)
    {
        if (system.Flags != 0)
            Line(1, $"flags: {FlowList(Names.SystemFlags.FormatFlags((ulong)system.Flags))}");
        Line(1, "hypervisor-memory:");
        var hv = system.HypervisorMemory;
        Line(2, $"phys: {Address(hv.PhysStart)}");
        if (hv.VirtStart != 0)
            Line(2, $"virt: {Address(hv.VirtStart)}");
        Line(2, $"size: {NumberSyntax.Size(hv.Size)}");
        if (hv.Flags != 0)
            Line(2, $"flags: {FlowList(Names.MemoryFlags.FormatFlags((ulong)hv.Flags))}");
        if (!system.DebugConsole.IsEmpty)
        {
            Line(1, "debug-console:");
            WriteConsole(2, system.DebugConsole);
        }

        var p = system.Platform;
        var x86 = p.X86 is { } x && x != new X86Platform() ? x : null;
        var arm = p.Arm is { } a && a != new ArmPlatform() ? a : null;
        bool pci = p.PciMmconfigBase != 0 || p.PciMmconfigEndBus != 0 || p.PciIsVirtual != 0 || p.PciDomain != 0;
        if (!pci && p.IommuUnits.Count == 0 && x86 is null && arm is null)
            return;
        Line(1, "platform:");
        if (pci)
        {
            Line(2, "pci:");
            Line(3, $"mmconfig-base: {Address(p.PciMmconfigBase)}");
            Line(3, $"mmconfig-end-bus: {p.PciMmconfigEndBus}");
            Line(3, $"virtual: {(p.PciIsVirtual <= 1 ? (p.PciIsVirtual == 1 ? "true" : "false") : p.PciIsVirtual.ToString())}");
            Line(3, $"domain: {p.PciDomain}");
        }
        if (p.IommuUnits.Count > 0)
        {
            Line(2, "iommu-units:");
            foreach (var unit in p.IommuUnits)
            {
                Line(3, $"- type: {Names.IommuType.FormatValue((ulong)unit.Type)}");
                Line(4, $"base: {Address(unit.Base)}");
                Line(4, $"size: {NumberSyntax.Size(unit.Size)}");
                if (unit.Type == IommuType.Amd)
                {
                    Line(4, $"amd-bdf: {Quote(BdfSyntax.Format(0, unit.AmdBdf))}");
                    Line(4, $"amd-base-cap: {NumberSyntax.Hex(unit.AmdBaseCap)}");
                    Line(4, $"amd-msi-cap: {NumberSyntax.Hex(unit.AmdMsiCap)}");
                    Line(4, $"amd-features: {NumberSyntax.Hex(unit.AmdFeatures)}");
                }
                if (unit.Type == IommuType.TiPvu)
                {
                    Line(4, $"tlb-base: {Address(unit.TlbBase)}");
                    Line(4, $"tlb-size: {NumberSyntax.Size(unit.TlbSize)}");
                }
            }
        }
        if (x86 is not null)
        {
            Line(2, "x86:");
            if (x86.PmTimerAddress != 0)
                Line(3, $"pm-timer-address: {NumberSyntax.Hex(x86.PmTimerAddress)}");
            if (x86.ApicMode != ApicMode.Auto)
                Line(3, $"apic-mode: {Names.ApicMode.FormatValue((ulong)x86.ApicMode)}");
            if (x86.VtdInterruptLimit != 0)
                Line(3, $"vtd-interrupt-limit: {x86.VtdInterruptLimit}");
            if (x86.TscKhz != 0)
                Line(3, $"tsc-khz: {x86.TscKhz}");
            if (x86.ApicKhz != 0)
                Line(3, $"apic-khz: {x86.ApicKhz}");
        }
        if (arm is not null)
        {
            Line(2, "arm:");
            Line(3, $"gic-version: {arm.GicVersion}");
            if (arm.MaintenanceIrq != 0)
                Line(3, $"maintenance-irq: {arm.MaintenanceIrq}");
            foreach (var (key, value) in new[] { ("gicd-base", arm.GicdBase), ("gicc-base", arm.GiccBase),
                ("gich-base", arm.GichBase), ("gicv-base", arm.GicvBase), ("gicr-base", arm.GicrBase) })
                if (value != 0)
                    Line(3, $"{key}: {Address(value)}");
        }
    }

    private void WriteConsole(int indent, ConsoleConfig console)
    {
        Line(indent, $"type: {Names.ConsoleType.FormatValue((ulong)console.Type)}");
        if (console.Address != 0)
            Line(indent, $"address: {Address(console.Address)}");
        if (console.Size != 0)
            Line(indent, $"size: {NumberSyntax.Size(console.Size)}");
        if (console.Flags != 0)
            Line(indent, $"flags: {FlowList(Names.ConsoleFlags.FormatFlags((ulong)console.Flags))}");
        if (console.Divider != 0)
            Line(indent, $"divider: {NumberSyntax.Hex(console.Divider)}");
        if (console.GateNr != 0)
            Line(indent, $"gate-nr: {console.GateNr}");
        if (console.ClockReg != 0)
            Line(indent, $"clock-reg: {Address(console.ClockReg)}");
    }

    /// <summary>Names every entry a PCI device refers to, keeping names the model already has.</summary>
    private void AssignNames(CellConfig cell)
    {
        var taken = new HashSet<string>(StringComparer.Ordinal);
        void Keep(object entry, string? name)
        {
            if (name is not null && taken.Add(name))
                names[entry] = name;
        }
        string Unique(string wanted)
        {
            string name = wanted;
            for (int n = 2; !taken.Add(name); n++)
                name = $"{wanted}-{n}";
            return name;
        }
        foreach (var region in cell.MemoryRegions)
            Keep(region, region.Name);
        foreach (var cap in cell.PciCapabilities)
            Keep(cap, cap.Name);
        foreach (var device in cell.PciDevices)
            Keep(device, device.Name);

        foreach (var device in cell.PciDevices)
        {
            if (!names.TryGetValue(device, out string? deviceName))
            {
                string type = Names.PciDeviceType.FormatValue((ulong)device.Type);
                deviceName = names[device] = Unique($"{type}-{BdfSyntax.Format(device.Domain, device.Bdf)}");
            }
            foreach (var cap in device.Capabilities)
                if (!names.ContainsKey(cap))
                    names[cap] = Unique($"{deviceName}-{Names.PciCapabilityId.FormatValue(cap.Id)}");
            for (int i = 0; i < device.ShmemRegions.Count; i++)
            {
                var region = device.ShmemRegions[i];
                string role = i switch { 0 => "state", 1 => "rw", _ => $"out{i - 2}" };
                string description = i switch
                {
                    0 => "state table",
                    1 => "read/write section",
                    _ => $"output section of peer {i - 2}",
                };
                comments.TryAdd(region, $"{deviceName}: {description}");
                if (!names.ContainsKey(region))
                    names[region] = Unique($"{deviceName}-{role}");
            }
        }
    }

    private void WriteCell(CellConfig cell)
    {
        Line(1, $"name: {Quote(cell.Name)}");
        if (cell.Id != 0)
            Line(1, $"id: {cell.Id}");
        if (cell.Flags != 0)
            Line(1, $"flags: {FlowList(Names.CellFlags.FormatFlags((ulong)cell.Flags))}");
        string cpus = RangeListSyntax.Format(cell.Cpus.Select(c => (long)c));
        Line(1, $"cpus: {(cpus.Length == 0 ? "\"\"" : cpus)}");
        if (cell.CpuSetSize != CellConfig.MinimumCpuSetSize(cell.Cpus))
            Line(1, $"cpu-set-size: {cell.CpuSetSize}");
        if (cell.VpciIrqBase != 0)
            Line(1, $"vpci-irq-base: {cell.VpciIrqBase}");
        if (cell.CpuResetAddress != 0)
            Line(1, $"cpu-reset-address: {Address(cell.CpuResetAddress)}");
        if (cell.MsgReplyTimeout != 0)
            Line(1, $"msg-reply-timeout: {cell.MsgReplyTimeout}");
        if (!cell.Console.IsEmpty)
        {
            Line(1, "console:");
            WriteConsole(2, cell.Console);
        }

        if (cell.MemoryRegions.Count > 0)
        {
            Line(1, "memory:");
            foreach (var region in cell.MemoryRegions)
                WriteMemoryRegion(region);
        }
        if (cell.CacheRegions.Count > 0)
        {
            Line(1, "cache-regions:");
            foreach (var cache in cell.CacheRegions)
            {
                var items = new List<string> { $"start: {cache.Start}", $"size: {cache.Size}", $"type: {Names.CacheType.FormatValue((ulong)cache.Type)}" };
                if (cache.Flags != 0)
                    items.Add($"flags: {FlowList(Names.CacheFlags.FormatFlags((ulong)cache.Flags))}");
                Line(2, "- { " + string.Join(", ", items) + " }");
            }
        }
        if (cell.Irqchips.Count > 0)
        {
            Line(1, "irqchips:");
            foreach (var chip in cell.Irqchips)
            {
                Line(2, $"- address: {Address(chip.Address)}");
                if (chip.Id != 0)
                    Line(3, $"id: {NumberSyntax.Hex(chip.Id)}");
                Line(3, $"pin-base: {chip.PinBase}");
                string pins = RangeListSyntax.Format(chip.Pins());
                if (pins.Length > 0)
                    Line(3, $"pins: {pins}");
            }
        }
        if (cell.PioRanges.Count > 0)
        {
            Line(1, "pio:");
            foreach (var pio in cell.PioRanges)
            {
                string name = pio.Name is null ? "" : $"name: {Quote(pio.Name)}, ";
                Line(2, $"- {{ {name}base: 0x{pio.Base:x4}, length: {NumberSyntax.Hex(pio.Length)} }}");
            }
        }
        if (cell.PciCapabilities.Count > 0)
        {
            Line(1, "pci-caps:");
            foreach (var cap in cell.PciCapabilities)
            {
                var items = new List<string>();
                if (names.TryGetValue(cap, out string? name))
                    items.Add($"name: {Quote(name)}");
                items.Add($"id: {Names.PciCapabilityId.FormatValue(cap.Id)}");
                items.Add($"start: {NumberSyntax.Hex(cap.Start)}");
                items.Add($"length: {cap.Length}");
                if (cap.Flags != 0)
                    items.Add($"flags: {FlowList(Names.PciCapabilityFlags.FormatFlags((ulong)cap.Flags))}");
                Line(2, "- { " + string.Join(", ", items) + " }");
            }
        }
        if (cell.PciDevices.Count > 0)
        {
            Line(1, "pci-devices:");
            foreach (var device in cell.PciDevices)
                WritePciDevice(device);
        }
        if (cell.StreamIds.Count > 0)
            Line(1, $"stream-ids: {FlowList(cell.StreamIds.Select(id => NumberSyntax.Hex(id)))}");
    }

    private void WriteMemoryRegion(MemoryRegion region)
    {
        if (comments.TryGetValue(region, out string? comment))
            Line(2, $"# {comment}");
        bool first = true;
        void Field(string line)
        {
            Line(first ? 2 : 3, (first ? "- " : "") + line);
            first = false;
        }
        if (names.TryGetValue(region, out string? name))
            Field($"name: {Quote(name)}");
        bool comm = region.Flags.HasFlag(MemoryFlags.CommRegion);
        if (!comm || region.PhysStart != 0)
            Field($"phys: {Address(region.PhysStart)}");
        if (comm || region.VirtStart != region.PhysStart)
            Field($"virt: {Address(region.VirtStart)}");
        Field($"size: {NumberSyntax.Size(region.Size)}");
        if (region.Flags != 0)
            Field($"flags: {FlowList(Names.MemoryFlags.FormatFlags((ulong)region.Flags))}");
    }

    private void WritePciDevice(PciDevice device)
    {
        Line(2, $"- name: {Quote(names[device])}");
        Line(3, $"type: {Names.PciDeviceType.FormatValue((ulong)device.Type)}");
        Line(3, $"bdf: {Quote(BdfSyntax.Format(device.Domain, device.Bdf))}");
        if (device.Iommu != 0)
            Line(3, $"iommu: {device.Iommu}");
        if (device.BarMask.Any(m => m != 0))
            Line(3, $"bar-mask: {FlowList(device.BarMask.Select(m => $"0x{m:x8}"))}");
        if (device.Capabilities.Count > 0)
            Line(3, $"caps: {FlowList(device.Capabilities.Select(c => Quote(names[c])))}");
        if (device.NumMsiVectors != 0 || device.Msi64Bits || device.MsiMaskable)
        {
            var items = new List<string> { $"vectors: {device.NumMsiVectors}" };
            if (device.Msi64Bits)
                items.Add("64bit: true");
            if (device.MsiMaskable)
                items.Add("maskable: true");
            Line(3, "msi: { " + string.Join(", ", items) + " }");
        }
        if (device.NumMsixVectors != 0 || device.MsixRegionSize != 0 || device.MsixAddress != 0)
        {
            var items = new List<string> { $"vectors: {device.NumMsixVectors}" };
            if (device.MsixRegionSize != 0)
                items.Add($"region-size: {NumberSyntax.Hex(device.MsixRegionSize)}");
            if (device.MsixAddress != 0)
                items.Add($"address: {Address(device.MsixAddress)}");
            Line(3, "msix: { " + string.Join(", ", items) + " }");
        }
        if (device.Type == PciDeviceType.Ivshmem)
        {
            Line(3, "shmem:");
            Line(4, $"regions: {FlowList(device.ShmemRegions.Select(r => Quote(names[r])))}");
            Line(4, $"peers: {device.ShmemPeers}");
            Line(4, $"dev-id: {device.ShmemDevId}");
            Line(4, $"protocol: {Names.ShmemProtocol.FormatValue(device.ShmemProtocol)}");
        }
    }
}
