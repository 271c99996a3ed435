using Jailhouse.Config.Model;
using static Jailhouse.Config.Check.Ranges;

namespace Jailhouse.Config.Check;

/// <summary>
/// Address arithmetic the hypervisor does on configuration values: a range must not wrap around
/// the 64-bit space, and physical addresses must fit the 48 bits a stage-2/EPT descriptor holds
/// (bits above would land in the descriptor's attribute bits). The GIC distributor the
/// hypervisor emulates must not lie in its own memory.
/// </summary>
internal static class AddressRules
{
    /// <summary>Physical addresses a page-table descriptor can hold (bits 47:12).</summary>
    public const ulong PhysicalLimit = 1UL << 48;

    public static void Run(CheckContext context)
    {
        if (context.System is { } system && context.Root is { } root)
        {
            var hv = system.HypervisorMemory;
            if (hv.Size == 0 || !Fits(hv.PhysStart, hv.Size, PhysicalLimit))
                context.Error("address-range", root, "system.hypervisor-memory", hv.Origin,
                    $"hypervisor memory at 0x{hv.PhysStart:x} with size 0x{hv.Size:x} is empty, wraps around or reaches beyond 48-bit physical addresses",
                    "give the hypervisor memory a non-zero size below 0x1000000000000");
            if (context.Architecture != Architecture.X86 && system.Platform.Arm is { } arm && arm.GicdBase != 0)
            {
                ulong gicdSize = arm.GicVersion == 2 ? 0x1000UL : 0x10000UL;
                if (Overlap(arm.GicdBase, gicdSize, hv.PhysStart, hv.Size))
                    context.Error("gic-overlap", root, "system.platform.arm.gicd-base", root.Cell.Origin,
                        $"the GIC distributor {Span(arm.GicdBase, gicdSize)} lies in the hypervisor's memory {Span(hv.PhysStart, hv.Size)}: emulating it would expose that memory",
                        "move the hypervisor memory off the distributor");
            }
        }
        foreach (var cell in context.Cells)
            foreach (var region in cell.Cell.MemoryRegions)
            {
                if (region.Size == 0)
                    continue;
                bool commRegion = region.Flags.HasFlag(MemoryFlags.CommRegion);
                if ((!commRegion && !Fits(region.PhysStart, region.Size, PhysicalLimit)) || !Fits(region.VirtStart, region.Size, 0))
                    context.Error("address-range", cell, cell.MemoryEntry(region), region.Origin,
                        $"phys 0x{region.PhysStart:x} / virt 0x{region.VirtStart:x} with size 0x{region.Size:x} wraps around or reaches beyond 48-bit physical addresses",
                        "correct the address or size: the region must end below 0x1000000000000 physically and below 2^64 in the guest");
            }
    }

    /// <summary>[start, start+size) lies below <paramref name="limit"/> (0: below 2^64, i.e. does not wrap).</summary>
    private static bool Fits(ulong start, ulong size, ulong limit) =>
        limit == 0 ? start + size >= start : size <= limit && start <= limit - size;
}
