using Jailhouse.Config;
using Jailhouse.Config.Model;
using Jailhouse.Config.Text;

namespace Jailhouse.Boot;

/// <summary>Where Jailhouse's memory goes and how Linux is told to keep off it.</summary>
public sealed record ReservationPlan(
    ulong Start, ulong Size, ulong HypervisorBase, ulong HypervisorSize,
    ulong SharedMemoryBase, ulong SharedMemorySize, ulong InmatesBase, ulong InmatesSize,
    ReservationMethod Method, string? KernelArgument)
{
    public ulong End => Start + Size;

    public bool Contains(ulong start, ulong size) => start >= Start && start + size <= End && start + size >= start;
}

/// <summary>
/// Places the hypervisor, the shared-memory windows and the inmates' RAM in one 2 MiB aligned
/// reservation -- by default at the top of the highest RAM bank with room, clear of
/// firmware-reserved ranges -- and derives the Linux side: memmap= (x86), mem= (ARM; it counts RAM, so holes between
/// banks matter), or a /reserved-memory node.
/// </summary>
public static class ReservationPlanner
{
    public const ulong Alignment = 2UL << 20;

    private static ulong AlignUp(ulong value) => (value + Alignment - 1) & ~(Alignment - 1);
    private static ulong AlignDown(ulong value) => value & ~(Alignment - 1);

    public static ReservationPlan Plan(BoardDescription board)
    {
        var jailhouse = board.Jailhouse ?? throw new InputException(board.Origin, $"board {board.Name} has no \"jailhouse\" section (hypervisor, inmates, method)");
        ulong size = AlignUp(jailhouse.Total);
        ulong start = jailhouse.Base ?? TopPlacement(board, size, jailhouse);
        if (start % Alignment != 0)
            throw new InputException(jailhouse.Origin, $"reservation base 0x{start:x} is not 2 MiB aligned");
        if (!board.RamBanks.Any(b => start >= b.Start && start + size <= b.Start + b.Size))
            throw new InputException(jailhouse.Origin, $"reservation 0x{start:x}-0x{start + size - 1:x} does not lie inside one RAM bank");
        foreach (var (fStart, fSize) in board.FirmwareReserved)
            if (fStart < start + size && start < fStart + fSize)
                throw new InputException(jailhouse.Origin, $"reservation 0x{start:x}-0x{start + size - 1:x} overlaps firmware-reserved 0x{fStart:x}-0x{fStart + fSize - 1:x}");

        ulong end = start + size;
        // Upstream's layouts: on x86 the hypervisor opens the memmap= window and the shared
        // memory closes it; on ARM the hypervisor takes the top and the inmates the bottom.
        bool hypervisorFirst = board.DebianArch == "amd64";
        ulong hypervisorBase = hypervisorFirst ? start : end - jailhouse.Hypervisor;
        ulong sharedBase = hypervisorFirst ? end - jailhouse.SharedMemory : hypervisorBase - jailhouse.SharedMemory;
        ulong inmatesBase = hypervisorFirst ? start + jailhouse.Hypervisor : start;
        ulong inmatesEnd = sharedBase;
        string? argument = jailhouse.Method switch
        {
            ReservationMethod.Memmap => $"memmap={NumberSyntax.Size(size)}${Hex(start)}",
            ReservationMethod.Mem => $"mem={NumberSyntax.Size(MemLimit(board, start, end, jailhouse))}",
            _ => null,
        };
        return new ReservationPlan(start, size, hypervisorBase, jailhouse.Hypervisor, sharedBase, jailhouse.SharedMemory,
            inmatesBase, inmatesEnd - inmatesBase, jailhouse.Method, argument);
    }

    private static string Hex(ulong value) => $"0x{value:x}";

    /// <summary>
    /// The board's kernel arguments, then what the hypervisor needs on every board of its
    /// architecture (<see cref="HypervisorKernelArguments"/>), then the plan's memmap=/mem=;
    /// an argument whose key the board lists itself is not added again.
    /// </summary>
    public static List<string> KernelArguments(BoardDescription board, ReservationPlan? plan)
    {
        var arguments = new List<string>(board.KernelArguments);
        void AddUnlessListed(string argument)
        {
            string key = argument[..(argument.IndexOf('=') + 1)];
            if (!arguments.Any(a => a.StartsWith(key, StringComparison.Ordinal)))
                arguments.Add(argument);
        }
        foreach (string argument in HypervisorKernelArguments.For(board.DebianArch))
            AddUnlessListed(argument);
        if (plan?.KernelArgument is { } reservation)
            AddUnlessListed(reservation);
        return arguments;
    }

    /// <summary>The highest 2 MiB aligned window of <paramref name="size"/> bytes in RAM that no firmware range touches.</summary>
    private static ulong TopPlacement(BoardDescription board, ulong size, JailhouseMemory jailhouse)
    {
        foreach (var (bankStart, bankSize) in board.RamBanks.OrderByDescending(b => b.Start))
        {
            ulong candidateEnd = bankStart + bankSize;
            while (candidateEnd >= bankStart + size)
            {
                ulong candidate = AlignDown(candidateEnd - size);
                if (candidate < bankStart)
                    break;
                var clash = board.FirmwareReserved.Where(f => f.Start < candidate + size && candidate < f.Start + f.Size)
                    .OrderBy(f => f.Start).FirstOrDefault();
                if (clash == default)
                    return candidate;
                candidateEnd = clash.Start;
            }
        }
        throw new InputException(jailhouse.Origin, $"no RAM bank has {NumberSyntax.Size(size)} free of firmware-reserved ranges");
    }

    /// <summary>mem= counts RAM from the bottom: the bytes of every bank below the reservation.</summary>
    private static ulong MemLimit(BoardDescription board, ulong start, ulong end, JailhouseMemory jailhouse)
    {
        if (board.RamBanks.Any(b => b.Start + b.Size > end))
            throw new InputException(jailhouse.Origin,
                $"mem= cuts off all RAM above the reservation, but RAM continues above 0x{end - 1:x}: use reserved-memory, or a base at the top of RAM");
        ulong below = 0;
        foreach (var (bankStart, bankSize) in board.RamBanks)
            if (bankStart < start)
                below += Math.Min(bankStart + bankSize, start) - bankStart;
        return below;
    }

    /// <summary>
    /// Errors for configuration memory Linux would still use: the hypervisor's memory and every
    /// RAM region of the non-root cells (not I/O, not the comm region) must lie in the reservation.
    /// </summary>
    public static List<string> Check(ReservationPlan plan, JailhouseConfig? system, IEnumerable<(string File, JailhouseConfig Config)> cells)
    {
        var errors = new List<string>();
        string reservation = $"the reservation 0x{plan.Start:x}-0x{plan.End - 1:x}";
        if (system?.System is { } sys)
        {
            var hv = sys.HypervisorMemory;
            if (!plan.Contains(hv.PhysStart, hv.Size))
                errors.Add($"hypervisor memory 0x{hv.PhysStart:x}-0x{hv.PhysStart + hv.Size - 1:x} is outside {reservation}: Linux would use it");
        }
        foreach (var (file, config) in cells)
        {
            for (int i = 0; i < config.Cell.MemoryRegions.Count; i++)
            {
                var region = config.Cell.MemoryRegions[i];
                if (region.Size == 0 || region.Flags.HasFlag(MemoryFlags.Io) || region.Flags.HasFlag(MemoryFlags.CommRegion))
                    continue;
                if (!plan.Contains(region.PhysStart, region.Size))
                    errors.Add($"{file}: cell \"{config.Cell.Name}\" memory[{i}] 0x{region.PhysStart:x}-0x{region.PhysEnd - 1:x} is outside {reservation}: Linux would use it");
            }
        }
        return errors;
    }
}
