using Jailhouse.Config.Model;
using static Jailhouse.Config.Check.Ranges;

namespace Jailhouse.Config.Check;

/// <summary>
/// A cell's console is the UART its inmate drives directly (the address reaches the inmate
/// through the comm region), so the cell must map it: MMIO registers in a memory region, port
/// I/O registers (x86) in a PIO range.
/// </summary>
internal static class ConsoleRules
{
    /// <summary>An 8250 has 8 registers; without a size we assume that many (or bytes).</summary>
    private const uint DefaultRegisterSpan = 8;

    public static void Run(CheckContext context)
    {
        foreach (var cell in context.Cells)
        {
            var console = cell.Cell.Console;
            if (console.Type is ConsoleType.None or ConsoleType.EfiFb)
                continue;
            ulong size = console.Size != 0 ? console.Size : DefaultRegisterSpan;
            if (console.Flags.HasFlag(ConsoleFlags.Mmio))
            {
                // The inmate uses the address as it sees it: a guest-physical address.
                bool mapped = cell.Cell.MemoryRegions.Any(r => r.Size > 0 && !r.Flags.HasFlag(MemoryFlags.CommRegion)
                    && Contains(r.VirtStart, r.Size, console.Address, Math.Min(size, PageSize)));
                if (!mapped)
                    context.Error("console-unmapped", cell, cell.ConsoleEntry, console.Origin ?? cell.Cell.Origin,
                        $"the console's registers at {Span(console.Address, size)} are not mapped by any memory region of the cell",
                        $"add {{ phys: 0x{console.Address & ~(PageSize - 1):x}, size: 4K, flags: [read, write, io, rootshared] }} to the cell's memory");
            }
            else if (context.Architecture == Architecture.X86)
            {
                bool mapped = cell.Cell.PioRanges.Any(p => Contains(p.Base, p.Length, console.Address, size));
                if (!mapped)
                    context.Error("console-unmapped", cell, cell.ConsoleEntry, console.Origin ?? cell.Cell.Origin,
                        $"the console's I/O ports {Span(console.Address, size)} are not in any PIO range of the cell",
                        $"add {{ base: 0x{console.Address:x}, length: {size} }} to the cell's pio");
            }
        }
    }
}
