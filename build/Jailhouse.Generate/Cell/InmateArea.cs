using Jailhouse.Config;
using Jailhouse.Config.Model;

namespace Jailhouse.Generate;

/// <summary>
/// The root cell's memory set aside for non-root cells, found by one rule, in this order:
/// <list type="number">
/// <item>--mem-base: exactly there (inside some root RAM region);</item>
/// <item>a root region named "inmates" (what `config create --dtb` writes; upstream's qemu-x86 has it), from its bottom;</item>
/// <item>x86: the root RAM region that starts where the hypervisor memory ends (upstream's memmap= layout), from its bottom;</item>
/// <item>ARM: the highest root RAM region below the hypervisor memory, from its top (upstream's mem= layout: Linux uses the bottom).</item>
/// </list>
/// Root RAM regions are readable, writable and executable, not I/O, not the comm region and not shared
/// (so neither device BARs nor ivshmem memory count).
/// </summary>
public sealed record InmateArea(AddressRange Range, bool FromTop, string Rule)
{
    public static bool IsRam(MemoryRegion region) =>
        region.Size > 0 && region.Flags.HasFlag(MemoryFlags.Read | MemoryFlags.Write | MemoryFlags.Execute)
        && (region.Flags & (MemoryFlags.Io | MemoryFlags.CommRegion | MemoryFlags.RootShared)) == 0;

    private static AddressRange RangeOf(MemoryRegion region) => AddressRange.OfSize(region.PhysStart, region.Size);

    public static InmateArea Find(JailhouseConfig root, string rootFile, ulong size, ulong? memoryBase)
    {
        var origin = new SourceLocation(rootFile, 0, 0);
        var system = root.System ?? throw new InputException(origin, "expected a system configuration (with a root cell), found a non-root cell configuration");
        var shared = root.Cell.PciDevices.SelectMany(d => d.ShmemRegions).ToHashSet(ReferenceEqualityComparer.Instance);
        var ram = root.Cell.MemoryRegions.Where(r => IsRam(r) && !shared.Contains(r)).ToList();
        if (memoryBase is { } fixedBase)
        {
            var wanted = AddressRange.OfSize(fixedBase, size);
            if (fixedBase % AddressRange.PageSize != 0)
                throw new InputException(origin, $"--mem-base 0x{fixedBase:x} is not 4K aligned");
            var holder = ram.FirstOrDefault(r => RangeOf(r).Contains(wanted))
                ?? throw new InputException(origin, $"--mem-base: {wanted} lies in no RAM region of the root cell \"{root.Cell.Name}\"");
            return new InmateArea(wanted, false, $"--mem-base, inside root region {Describe(holder)}");
        }
        if (ram.FirstOrDefault(r => r.Name == "inmates") is { } named)
            return new InmateArea(RangeOf(named), false, $"the root region named \"inmates\" {RangeOf(named)}");

        var hypervisor = AddressRange.OfSize(system.HypervisorMemory.PhysStart, system.HypervisorMemory.Size);
        if (root.Architecture == Architecture.X86)
        {
            var above = ram.FirstOrDefault(r => r.PhysStart == hypervisor.End)
                ?? throw new InputException(origin,
                    $"cannot tell which root memory is reserved for inmates: no region is named \"inmates\" and none starts where the hypervisor memory ends (0x{hypervisor.End:x}); pass --mem-base");
            return new InmateArea(RangeOf(above), false, $"the root RAM region right above the hypervisor memory {Describe(above)} (the memmap= window)");
        }
        var below = ram.Where(r => r.PhysEnd <= hypervisor.Start).MaxBy(r => r.PhysEnd)
            ?? throw new InputException(origin,
                $"cannot tell which root memory is reserved for inmates: no region is named \"inmates\" and no RAM region lies below the hypervisor memory (0x{hypervisor.Start:x}); pass --mem-base");
        return new InmateArea(RangeOf(below), true,
            $"the top of the highest root RAM region below the hypervisor memory {Describe(below)}: Linux must not use it (mem= or /reserved-memory)");
    }

    private static string Describe(MemoryRegion region) => (region.Name is null ? "" : $"\"{region.Name}\" ") + RangeOf(region);
}
