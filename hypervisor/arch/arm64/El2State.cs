namespace Jailhouse.Hypervisor;

/// <summary>
/// The arm64 per-CPU area and the EL2 state the hypervisor borrows from Linux's hyp stub.
/// entry.S keeps the caller's EL2 registers in <see cref="PerCpu.ArchData"/> (written with the
/// MMU off before anything changes them) and el2_leave puts every one of them back on each way
/// out, disable or failed enable: what Linux set at EL2 (HCR_EL2's pointer-authentication and
/// MTE bits, CPTR_EL2's SVE/SME traps) is exactly what it finds afterwards. While the
/// hypervisor runs, the cell keeps the caller's HCR_EL2 bits and CPTR_EL2 traps plus ours.
/// The per-CPU area of arm64 is larger than <see cref="PerCpu.AreaSize"/>: behind the
/// <see cref="PerCpu"/> page lies the save area of the cell's SVE (or SME streaming) registers,
/// which the hypervisor's own FP/SIMD use would otherwise cut to 128 bits; the stack fills the
/// rest. asm-defines.h repeats these numbers (HypervisorLayoutTests compares).
/// </summary>
internal static class El2State
{
    public const int PerCpuAreaSize = 32768;
    /// <summary>z0-z31, p0-p15 and FFR at the largest vector length (2048 bits).</summary>
    public const int SveSaveOffset = 4096;
    public const int SveSaveSize = 32 * 256 + 16 * 32 + 32;

    /// <summary>Indices into <see cref="PerCpu.ArchData"/> of the caller's EL2 registers.</summary>
    public const int Hcr = 0;
    public const int Cptr = 1;
    public const int Sctlr = 2;
    public const int Tcr = 3;
    public const int Mair = 4;
    public const int Ttbr0 = 5;
    public const int Vtcr = 6;
    public const int Vttbr = 7;
    public const int Tpidr = 8;
    public const int StackPointer = 9;
    /// <summary>What traps do: <see cref="SaveSve"/>, <see cref="SaveSme"/>, <see cref="HardenBranchPredictor"/>.</summary>
    public const int SaveFlags = 10;
    /// <summary>The entries entry.S fills and el2_leave reads (SAVED_EL2_SIZE / 8).</summary>
    public const int Count = 11;
    /// <summary>Where this CPU's <see cref="FirmwareFeatures"/> live (C# only, filled at enable).</summary>
    public const int Firmware = 11;

    /// <summary>SVE is implemented and the caller's CPTR_EL2 does not trap it (TZ clear).</summary>
    public const ulong SaveSve = 1;
    /// <summary>SME is implemented and not trapped (TSM clear): a trap in streaming mode leaves it.</summary>
    public const ulong SaveSme = 2;
    /// <summary>The firmware has ARCH_WORKAROUND_1: every trap from a cell calls it before any
    /// hypervisor code can be steered by the cell's branch predictor training.</summary>
    public const ulong HardenBranchPredictor = 4;

    public const ulong CptrTfp = 1UL << 10;
    public const ulong CptrTz = 1UL << 8;
    public const ulong CptrTsm = 1UL << 12;
}
