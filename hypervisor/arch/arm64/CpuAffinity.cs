namespace Jailhouse.Hypervisor;

/// <summary>
/// Which CPU ID (the bit of the configuration's CPU set, Linux's logical CPU number) has which
/// MPIDR affinity. The system configuration names CPUs only by that ID; the affinity is the
/// hardware's, so every CPU records its own MPIDR_EL1 when it enters the hypervisor, as upstream
/// does. Everything that names a CPU by affinity -- PSCI CPU_ON/AFFINITY_INFO targets,
/// GICD_IROUTER, ICC_SGI1R_EL1, GICR_TYPER -- is translated through this table, so a board with
/// several clusters (Aff1 = cluster) works as well as QEMU virt's single one.
/// </summary>
internal unsafe struct CpuAffinityTable
{
    public const int MaxCpus = 64;

    /// <summary>Aff3..Aff0 of CPU n (bits 39:32 and 23:0 of its MPIDR_EL1).</summary>
    public fixed ulong Affinity[MaxCpus];
    /// <summary>Bit n: CPU n has recorded its affinity.</summary>
    public ulong Known;
}

internal static unsafe class CpuAffinity
{
    /// <summary>The affinity fields of an MPIDR value (Aff3 39:32, Aff2 23:16, Aff1 15:8, Aff0 7:0).</summary>
    public const ulong Mask = 0xff_00ff_ffffUL;

    public static ulong Of(ulong mpidr) => mpidr & Mask;

    /// <summary>CPU <paramref name="cpu"/> says its MPIDR is <paramref name="mpidr"/>; false for an ID past the table.</summary>
    public static bool Record(ref CpuAffinityTable table, uint cpu, ulong mpidr)
    {
        if (cpu >= CpuAffinityTable.MaxCpus)
            return false;
        table.Affinity[cpu] = Of(mpidr);
        table.Known |= 1UL << (int)cpu;
        return true;
    }

    /// <summary>The CPU ID whose affinity is <paramref name="mpidr"/>'s (other bits, such as RES1 bit 31,
    /// do not count), or -1 when no recorded CPU has it.</summary>
    public static long CpuOf(in CpuAffinityTable table, ulong mpidr)
    {
        ulong affinity = Of(mpidr);
        for (int cpu = 0; cpu < CpuAffinityTable.MaxCpus; cpu++)
            if ((table.Known & (1UL << cpu)) != 0 && table.Affinity[cpu] == affinity)
                return cpu;
        return -1;
    }

    /// <summary>The recorded affinity of <paramref name="cpu"/>; false when it has none.</summary>
    public static bool TryGet(in CpuAffinityTable table, uint cpu, out ulong affinity)
    {
        affinity = 0;
        if (cpu >= CpuAffinityTable.MaxCpus || (table.Known & (1UL << (int)cpu)) == 0)
            return false;
        affinity = table.Affinity[cpu];
        return true;
    }
}
