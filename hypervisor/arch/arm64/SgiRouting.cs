namespace Jailhouse.Hypervisor;

/// <summary>
/// Where a cell's software-generated interrupts may go. Whatever register names the targets
/// (GICv3 ICC_SGI1R_EL1 by affinity, GICv2 GICD_SGIR by CPU interface), it is first decoded into
/// a set of CPU IDs, then <see cref="Filter"/> keeps the CPUs of the sender's cell, then the set is
/// encoded again for the real GIC. "All but self" becomes the explicit list of the sender's cell,
/// so an SGI never reaches another cell's CPU however the sender words it.
/// </summary>
internal static unsafe class SgiRouting
{
    /// <summary>The CPUs of <paramref name="targets"/> (bit n = CPU n) that share a cell with
    /// <paramref name="sender"/>, as <paramref name="sameCell"/> answers it.</summary>
    public static ulong Filter(uint sender, ulong targets, delegate*<uint, uint, bool> sameCell)
    {
        ulong allowed = 0;
        for (int cpu = 0; cpu < 64; cpu++)
            if ((targets & (1UL << cpu)) != 0 && sameCell(sender, (uint)cpu))
                allowed |= 1UL << cpu;
        return allowed;
    }

    // ICC_SGI1R_EL1 fields (GICv3): TargetList 15:0, Aff1 23:16, INTID 27:24, Aff2 39:32,
    // IRM 40, RS 47:44 (Aff0 = RS * 16 + bit of TargetList), Aff3 55:48.
    private const int Sgi1rIrm = 40;

    public static uint Sgi1rIntid(ulong value) => (uint)(value >> 24) & 0xf;

    /// <summary>
    /// The CPU IDs an ICC_SGI1R_EL1 value names: with IRM every recorded CPU but the sender,
    /// else those whose Aff3.Aff2.Aff1 match and whose Aff0 is in the target list of range RS.
    /// </summary>
    public static ulong Sgi1rTargets(ulong value, uint sender, in CpuAffinityTable table)
    {
        if ((value & (1UL << Sgi1rIrm)) != 0)
            return sender < 64 ? table.Known & ~(1UL << (int)sender) : table.Known;
        ulong cluster = ((value >> 48) & 0xff) << 32 | ((value >> 32) & 0xff) << 16 | ((value >> 16) & 0xff) << 8;
        uint range = (uint)(value >> 44) & 0xf;
        uint list = (uint)value & 0xffff;
        ulong targets = 0;
        for (int cpu = 0; cpu < CpuAffinityTable.MaxCpus; cpu++)
        {
            if ((table.Known & (1UL << cpu)) == 0)
                continue;
            ulong affinity = table.Affinity[cpu];
            uint aff0 = (uint)affinity & 0xff;
            if ((affinity & ~0xffUL) == cluster && aff0 / 16 == range && (list & (1u << (int)(aff0 % 16))) != 0)
                targets |= 1UL << cpu;
        }
        return targets;
    }

    /// <summary>
    /// ICC_SGI1R_EL1 values that send SGI <paramref name="intid"/> to exactly the CPUs of
    /// <paramref name="targets"/>: one per cluster and range of 16 Aff0 values (IRM clear).
    /// Returns how many it wrote to <paramref name="values"/>, or -1 when
    /// <paramref name="capacity"/> is too small or a target has no recorded affinity.
    /// </summary>
    public static int EncodeSgi1r(uint intid, ulong targets, in CpuAffinityTable table, ulong* values, int capacity)
    {
        int count = 0;
        for (int cpu = 0; cpu < 64; cpu++)
        {
            if ((targets & (1UL << cpu)) == 0)
                continue;
            if (cpu >= CpuAffinityTable.MaxCpus || (table.Known & (1UL << cpu)) == 0)
                return -1;
            ulong affinity = table.Affinity[cpu];
            uint aff0 = (uint)affinity & 0xff;
            ulong head = ((affinity >> 32) & 0xff) << 48 | (ulong)(aff0 / 16) << 44 | ((affinity >> 16) & 0xff) << 32
                | (ulong)(intid & 0xf) << 24 | ((affinity >> 8) & 0xff) << 16;
            ulong bit = 1UL << (int)(aff0 % 16);
            int found = 0;
            while (found < count && (values[found] & ~0xffffUL) != head)
                found++;
            if (found == count)
            {
                if (count == capacity)
                    return -1;
                values[count++] = head;
            }
            values[found] |= bit;
        }
        return count;
    }

    // GICD_SGIR fields (GICv2): INTID 3:0, NSATT 15, CPUTargetList 23:16, TargetListFilter 25:24.
    public const uint SgirFilterList = 0;
    public const uint SgirFilterOthers = 1;
    public const uint SgirFilterSelf = 2;

    /// <summary>
    /// The CPU IDs a GICD_SGIR value names: a list of CPU interfaces (each CPU's interface mask in
    /// <paramref name="interfaceOfCpu"/>, <paramref name="known"/> the CPUs that recorded one),
    /// every known CPU but the sender, or the sender; the reserved filter 3 names none.
    /// </summary>
    public static ulong SgirTargets(uint sgir, uint sender, byte* interfaceOfCpu, ulong known)
    {
        uint filter = (sgir >> 24) & 3;
        ulong self = sender < 64 ? 1UL << (int)sender : 0;
        if (filter == SgirFilterOthers)
            return known & ~self;
        if (filter == SgirFilterSelf)
            return self & known;
        if (filter != SgirFilterList)
            return 0;
        uint list = (sgir >> 16) & 0xff;
        ulong targets = 0;
        for (int cpu = 0; cpu < 64; cpu++)
            if ((known & (1UL << cpu)) != 0 && (interfaceOfCpu[cpu] & list) != 0)
                targets |= 1UL << cpu;
        return targets;
    }

    /// <summary>The GICD_SGIR value that sends <paramref name="sgir"/>'s SGI (INTID, NSATT) to exactly
    /// the CPUs of <paramref name="targets"/> as a target list; 0 targets give a list of none.</summary>
    public static uint EncodeSgir(uint sgir, ulong targets, byte* interfaceOfCpu)
    {
        uint list = 0;
        for (int cpu = 0; cpu < 64; cpu++)
            if ((targets & (1UL << cpu)) != 0)
                list |= interfaceOfCpu[cpu];
        return (sgir & 0x800f) | (list & 0xff) << 16;
    }
}
