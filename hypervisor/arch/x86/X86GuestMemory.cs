namespace Jailhouse.Hypervisor;

/// <summary>
/// Reads the root cell's memory from the hypervisor: a guest-linear address goes through the
/// guest's 4-level page tables (CR3; 1 GiB and 2 MiB pages) to a guest-physical one, which in
/// the root cell is the physical address (its RAM regions map 1:1), read through the host's
/// write-back identity map (<see cref="X86HostPaging.Physical"/>, the low 4 GiB).
/// </summary>
internal static unsafe class X86GuestMemory
{
    private const ulong Present = 1;
    private const ulong LargePage = 1UL << 7;
    private const ulong AddressMask = 0x000f_ffff_ffff_f000;

    /// <summary>The guest-physical address of <paramref name="linear"/>, or ~0 when it is not mapped.</summary>
    public static ulong Translate(ulong cr3, ulong linear)
    {
        ulong table = cr3 & AddressMask;
        for (int level = 0; level < 4; level++)
        {
            int shift = 39 - 9 * level;
            ulong* entries = (ulong*)X86HostPaging.Physical(table);
            if (entries == null)
                return ~0UL;
            ulong entry = entries[(linear >> shift) & 0x1ff];
            if ((entry & Present) == 0)
                return ~0UL;
            if (level == 3 || (level > 0 && (entry & LargePage) != 0))
            {
                ulong pageMask = (1UL << shift) - 1;
                return (entry & AddressMask & ~pageMask) | (linear & pageMask);
            }
            table = entry & AddressMask;
        }
        return ~0UL;
    }

    /// <summary>Copies up to <paramref name="max"/> instruction bytes at <paramref name="rip"/>;
    /// returns how many could be read (fewer when a page is not mapped).</summary>
    public static uint FetchInstruction(ulong cr3, ulong rip, byte* buffer, uint max)
    {
        uint count = 0;
        while (count < max)
        {
            ulong phys = Translate(cr3, rip + count);
            byte* source = phys == ~0UL ? null : X86HostPaging.Physical(phys);
            if (source == null)
                break;
            buffer[count++] = *source;
        }
        return count;
    }
}
