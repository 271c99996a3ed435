using System.Runtime;
using System.Runtime.CompilerServices;

namespace Jailhouse.Hypervisor;

/// <summary>
/// The AArch64 instructions C# cannot express (system registers, barriers, halting), as calls
/// into arch/arm64/sysregs.S. Each helper is a leaf function that touches only x0/x1.
/// </summary>
internal static unsafe class Arch
{
    public const string Name = "arm64";

    /// <summary>Adds one to <paramref name="value"/> atomically (ldaxr/stlxr); returns the new value.</summary>
    [RuntimeImport("arm64_atomic_increment")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern uint AtomicIncrement(ref uint value);

    [RuntimeImport("arm64_load_acquire")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern uint LoadAcquire(ref uint value);

    [RuntimeImport("arm64_store_release")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern void StoreRelease(ref uint value, uint newValue);

    /// <summary>dmb ish: orders all memory accesses before and after among the CPUs.</summary>
    [RuntimeImport("arm64_memory_barrier")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern void MemoryBarrier();

    /// <summary>Issues an SMC to the firmware with x0-x3 from <paramref name="registers"/> and stores x0-x3 back.</summary>
    [RuntimeImport("arm64_smc")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern void Smc(ulong* registers);

    /// <summary>Virtual addresses of the image's sections: base, read-only data, data, leave trampoline.</summary>
    [RuntimeImport("arm64_hypervisor_layout")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern void HypervisorLayout(ulong* addresses);

    /// <summary>Loads TTBR0_EL2 and flushes EL2 TLBs; the running code must be mapped alike in both.</summary>
    [RuntimeImport("arm64_switch_page_tables")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern void SwitchPageTables(ulong ttbr0);

    /// <summary>DC CISW: cleans and invalidates the data cache line that set/way value <paramref name="setWay"/> names.</summary>
    [RuntimeImport("arm64_dc_cisw")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern void CleanInvalidateBySetWay(ulong setWay);

    /// <summary>The per-CPU area of the CPU running this code, found from its stack pointer.</summary>
    [RuntimeImport("arm64_current_percpu")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern PerCpu* CurrentCpu();

    [RuntimeImport("arm64_wait_for_event")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern void WaitForEvent();

    /// <summary>EL1 back to a reset state for a CPU restarting at EL1: SCTLR_EL1 with MMU and caches off, translation, vector, thread and timer registers zero.</summary>
    [RuntimeImport("arm64_reset_el1")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern void ResetEl1();

    [RuntimeImport("arm64_park")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern void Park();

    [RuntimeImport("arm64_read_esr_el2")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern ulong ReadEsr();

    [RuntimeImport("arm64_read_far_el2")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern ulong ReadFar();

    [RuntimeImport("arm64_read_hpfar_el2")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern ulong ReadHpfar();

    [RuntimeImport("arm64_read_id_aa64mmfr0")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern ulong ReadIdAa64Mmfr0();

    [RuntimeImport("arm64_read_current_el")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern ulong ReadCurrentEl();

    /// <summary>MPIDR_EL1 of the running CPU (its affinity, <see cref="CpuAffinity"/>).</summary>
    [RuntimeImport("arm64_read_mpidr")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern ulong ReadMpidr();

    [RuntimeImport("arm64_read_sctlr_el2")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern ulong ReadSctlr();

    /// <summary>Installs the stage-2 tables: VTCR_EL2, VTTBR_EL2, then HCR_EL2, and invalidates stage-2 TLBs.</summary>
    [RuntimeImport("arm64_enable_stage2")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern void EnableStage2(ulong vtcr, ulong vttbr, ulong hcr);

    [RuntimeImport("arm64_read_counter")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern ulong ReadCounter();

    [RuntimeImport("arm64_read_counter_frequency")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern ulong ReadCounterFrequency();

    /// <summary>VTTBR_EL2 and HCR_EL2 of the cell this CPU runs from now on; drops its cached translations of that VMID.</summary>
    [RuntimeImport("arm64_enter_cell")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern void EnterCell(ulong vttbr, ulong hcr);

    /// <summary>TLBI VMALLS12E1IS: every CPU drops its cached translations of the current VMID.</summary>
    [RuntimeImport("arm64_flush_stage2_is")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern void FlushStage2InnerShareable();

    /// <summary>TLBI ALLE2IS after the hypervisor's own tables changed.</summary>
    [RuntimeImport("arm64_flush_el2_tlb")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern void FlushEl2Tlb();
}
