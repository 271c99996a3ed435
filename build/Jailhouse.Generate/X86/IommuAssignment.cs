using Jailhouse.Config;
using Jailhouse.Config.Model;
using Jailhouse.Generate.Snapshot;

namespace Jailhouse.Generate.X86;

/// <summary>
/// Which IOMMU translates for which PCI function and IOAPIC, from DMAR (Intel VT-d) or IVRS (AMD-Vi),
/// plus the memory those tables say devices use behind the OS's back (RMRR, IVMD).
/// </summary>
public sealed class IommuAssignment
{
    public List<IommuUnit> Units { get; } = [];
    /// <summary>IOMMU index by the function's BDF.</summary>
    public Dictionary<ushort, byte> DeviceUnit { get; } = [];
    /// <summary>By MADT IOAPIC id: the BDF the IOMMU knows the IOAPIC by, and that IOMMU's index.</summary>
    public Dictionary<byte, (ushort Bdf, byte Unit)> IoApics { get; } = [];
    public List<MemoryRange> ExtraMemory { get; } = [];
    /// <summary>PCI functions that are IOMMUs themselves and must not be given to any cell.</summary>
    public HashSet<ushort> HiddenFunctions { get; } = [];
    public List<string> Warnings { get; } = [];

    /// <summary>VT-d register sets are one to three pages; larger ones are not what the hypervisor expects.</summary>
    private const ulong MaxVtdRegisterSize = 0x3000;

    public static IommuAssignment FromDmar(AcpiTable table, IReadOnlyList<PciFunction> functions, ResourceTree iomem)
    {
        var result = new IommuAssignment();
        var dmar = Dmar.Parse(table);
        foreach (var unit in dmar.Units)
        {
            if (unit.Segment != 0)
                throw table.Error(AcpiTable.HeaderLength, $"VT-d unit at 0x{unit.Base:x} serves PCI segment {unit.Segment}; only segment 0 is supported");
            if (result.Units.Count >= PlatformInfo.MaxIommuUnits)
                throw table.Error(AcpiTable.HeaderLength, $"more than {PlatformInfo.MaxIommuUnits} VT-d units; the configuration format holds at most {PlatformInfo.MaxIommuUnits}");
            // Linux names the registers "dmar<N>" in /proc/iomem when it drives the unit; else the
            // DRHD size field (2^N pages, VT-d 2.x and later) says how large they are.
            ulong size = iomem.All().FirstOrDefault(n => n.Start == unit.Base && n.Name.StartsWith("dmar", StringComparison.Ordinal))?.Size
                ?? (ulong)0x1000 << (unit.SizeField & 0xf);
            if (size > MaxVtdRegisterSize)
                throw table.Error(AcpiTable.HeaderLength, $"VT-d unit at 0x{unit.Base:x} has 0x{size:x} bytes of registers; at most 0x{MaxVtdRegisterSize:x} are expected");
            byte index = (byte)result.Units.Count;
            result.Units.Add(new IommuUnit { Type = IommuType.Intel, Base = unit.Base, Size = (uint)size });
            foreach (var scope in unit.Scopes)
            {
                ushort? bdf = scope.Resolve(functions);
                if (bdf is null)
                    continue;
                switch (scope.Type)
                {
                    case DmarScope.Endpoint:
                        result.DeviceUnit[bdf.Value] = index;
                        break;
                    case DmarScope.Bridge:
                        result.DeviceUnit[bdf.Value] = index;
                        if (functions.FirstOrDefault(f => f.Bdf == bdf) is { IsBridge: true } bridge)
                            foreach (var below in functions.Where(f => f.Bus >= bridge.SecondaryBus && f.Bus <= bridge.SubordinateBus))
                                result.DeviceUnit[below.Bdf] = index;
                        break;
                    case DmarScope.IoApic:
                        result.IoApics[scope.EnumerationId] = (bdf.Value, index);
                        break;
                }
            }
        }
        // INCLUDE_PCI_ALL units take every function no other unit lists.
        foreach (var (unit, index) in dmar.Units.Select((u, i) => (u, (byte)i)).Where(p => p.u.IncludeAll))
            foreach (var function in functions)
                result.DeviceUnit.TryAdd(function.Bdf, index);

        foreach (var region in dmar.ReservedRegions)
        {
            var devices = region.Scopes.Select(s => s.Resolve(functions)).OfType<ushort>().Select(b => $"{b >> 8:x2}:{(b >> 3) & 0x1f:x2}.{b & 7:x}");
            result.ExtraMemory.Add(new MemoryRange(region.Base, region.Limit, $"ACPI DMAR RMRR {string.Join(" ", devices)}".TrimEnd(), true));
        }
        result.CheckCoverage(functions);
        return result;
    }

    public static IommuAssignment FromIvrs(AcpiTable table, IReadOnlyList<PciFunction> functions)
    {
        var result = new IommuAssignment();
        var ivrs = Ivrs.Parse(table);
        // Jailhouse drives one IOMMU per PCI function: firmware lists it once per IVHD type.
        foreach (var unit in ivrs.Units.GroupBy(u => u.DeviceId).Select(g => g.OrderBy(u => u.BlockType).First()))
        {
            if (unit.Segment != 0)
                throw table.Error(AcpiTable.HeaderLength, $"AMD IOMMU {Bdf(unit.DeviceId)} serves PCI segment {unit.Segment}; only segment 0 is supported");
            if (result.Units.Count >= PlatformInfo.MaxIommuUnits)
                throw table.Error(AcpiTable.HeaderLength, $"more than {PlatformInfo.MaxIommuUnits} AMD IOMMUs; the configuration format holds at most {PlatformInfo.MaxIommuUnits}");
            var function = functions.FirstOrDefault(f => f.Bdf == unit.DeviceId);
            var msi = function?.Capabilities.FirstOrDefault(c => c.Id == 0x05)
                ?? throw table.Error(AcpiTable.HeaderLength, $"AMD IOMMU {Bdf(unit.DeviceId)} has no MSI capability in the snapshot; Jailhouse needs MSI for it");
            // Performance counters (bits 13-16 and 17-22 of the feature field) need the 512K register window.
            bool counters = (unit.FeatureReporting & (0xfu << 13)) != 0 && (unit.FeatureReporting & (0x3fu << 17)) != 0;
            byte index = (byte)result.Units.Count;
            result.Units.Add(new IommuUnit
            {
                Type = IommuType.Amd,
                Base = unit.Base,
                Size = counters ? 512u << 10 : 16u << 10,
                AmdBdf = unit.DeviceId,
                AmdBaseCap = (byte)unit.CapabilityOffset,
                AmdMsiCap = (byte)msi.Start,
                // Type 0x10 may override what the hardware reports: bit 0 (reserved) marks the value as valid.
                AmdFeatures = unit.BlockType == 0x10 ? unit.FeatureReporting | 1 : 0,
            });
            result.HiddenFunctions.Add(unit.DeviceId);
            foreach (var f in functions.Where(f => unit.Covers(f.Bdf)))
                result.DeviceUnit.TryAdd(f.Bdf, index);
            foreach (var (id, bdf) in unit.IoApics)
                result.IoApics[id] = (bdf, index);
        }
        foreach (var range in ivrs.MemoryRanges)
        {
            if (range.Flags != 0)
                result.Warnings.Add($"IVRS memory 0x{range.Start:x} (+0x{range.Length:x}) has access flags 0x{range.Flags:x}; Jailhouse maps it read/write for all devices");
            result.ExtraMemory.Add(new MemoryRange(range.Start, range.Start + range.Length - 1, "ACPI IVRS", true));
        }
        result.CheckCoverage(functions.Where(f => f.Bdf != 0 && !result.HiddenFunctions.Contains(f.Bdf)));
        return result;
    }

    private void CheckCoverage(IEnumerable<PciFunction> functions)
    {
        foreach (var function in functions.Where(f => !DeviceUnit.ContainsKey(f.Bdf)))
            Warnings.Add($"PCI function {function.BdfText} is outside the scope of every IOMMU; it gets IOMMU 0");
    }

    private static string Bdf(ushort bdf) => $"{bdf >> 8:x2}:{(bdf >> 3) & 0x1f:x2}.{bdf & 7:x}";
}
