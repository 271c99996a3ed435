using System.Runtime;
using System.Runtime.CompilerServices;

namespace Jailhouse.Inmate;

/// <summary>
/// The AArch64 instructions C# cannot express (system registers, barriers, interrupt masking,
/// the hypercall), as calls into arch/arm64/sysregs.S.
/// </summary>
internal static unsafe class Cpu
{
    [RuntimeImport("inmate_read_mpidr")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern ulong ReadMpidr();

    [RuntimeImport("inmate_read_cntfrq")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern ulong ReadCounterFrequency();

    /// <summary>CNTVCT_EL0 after an isb: the virtual count now.</summary>
    [RuntimeImport("inmate_read_cntvct")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern ulong ReadVirtualCount();

    [RuntimeImport("inmate_read_cntv_cval")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern ulong ReadVirtualTimerCompare();

    [RuntimeImport("inmate_write_cntv_cval")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern void WriteVirtualTimerCompare(ulong value);

    [RuntimeImport("inmate_write_cntv_ctl")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern void WriteVirtualTimerControl(ulong value);

    [RuntimeImport("inmate_write_icc_sre")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern void WriteIccSre(ulong value);

    [RuntimeImport("inmate_write_icc_pmr")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern void WriteIccPmr(ulong value);

    [RuntimeImport("inmate_write_icc_igrpen1")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern void WriteIccIgrpen1(ulong value);

    [RuntimeImport("inmate_read_icc_iar1")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern ulong ReadIccIar1();

    [RuntimeImport("inmate_write_icc_eoir1")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern void WriteIccEoir1(ulong value);

    /// <summary>Unmasks IRQs (PSTATE.I).</summary>
    [RuntimeImport("inmate_enable_irqs")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern void EnableInterrupts();

    [RuntimeImport("inmate_disable_irqs")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern void DisableInterrupts();

    /// <summary>wfi: sleeps until an interrupt is pending (taken first if unmasked).</summary>
    [RuntimeImport("inmate_wait_for_interrupt")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern void WaitForInterrupt();

    [RuntimeImport("inmate_memory_barrier")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern void MemoryBarrier();

    /// <summary>Jailhouse's hypercall: code in x0, one argument in x1, the result in x0.</summary>
    [RuntimeImport("inmate_hypercall")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern long Hypercall(ulong code, ulong argument);

    /// <summary>Masks everything and sleeps for good.</summary>
    [RuntimeImport("inmate_stop")]
    [MethodImpl(MethodImplOptions.InternalCall)]
    public static extern void Stop();
}
