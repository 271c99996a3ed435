using Jailhouse.Config.Model;
using static Jailhouse.Config.Check.Ranges;

namespace Jailhouse.Config.Check;

/// <summary>
/// Memory that Linux is not kept off (memmap=, mem=, reserved-memory) is Linux's RAM: the
/// hypervisor's memory and every non-root cell's RAM (see <see cref="CheckOptions.RamBanks"/>)
/// must lie in the board's reservation.
/// </summary>
internal static class ReservationRules
{
    private const MemoryFlags RamLike = MemoryFlags.Execute | MemoryFlags.Loadable | MemoryFlags.Dma | MemoryFlags.RootShared;

    private static bool IsRam(CheckOptions options, MemoryRegion region) =>
        options.RamBanks is { } banks
            ? banks.Any(b => Overlap(b.Start, b.Size, region.PhysStart, region.Size))
            : !region.Flags.HasFlag(MemoryFlags.Io) && (region.Flags & RamLike) != 0;

    public static void Run(CheckContext context)
    {
        if (context.Options.Reservation is not var (start, size))
            return;
        string reservation = $"the reservation {Span(start, size)}";
        if (context.System is { } system && context.Root is { } root)
        {
            var hv = system.HypervisorMemory;
            if (!Contains(start, size, hv.PhysStart, hv.Size))
                context.Error("outside-reservation", root, "system.hypervisor-memory", hv.Origin,
                    $"hypervisor memory {Span(hv.PhysStart, hv.Size)} is outside {reservation}: Linux would use it as RAM",
                    "move the hypervisor memory into the reservation, or enlarge the reservation (board.yaml jailhouse:)");
        }
        foreach (var cell in context.NonRoot)
            foreach (var region in cell.PhysicalRegions.Where(r => IsRam(context.Options, r)))
                if (!Contains(start, size, region.PhysStart, region.Size))
                    context.Error("outside-reservation", cell, cell.MemoryEntry(region), region.Origin,
                        $"{Span(region.PhysStart, region.Size)} is outside {reservation}: Linux would use it as RAM",
                        "move the region into the reservation, mark it io if it is device memory, or enlarge the reservation");
    }
}
