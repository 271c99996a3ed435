using System.Runtime.InteropServices;

namespace Jailhouse.Hypervisor;

/// <summary>
/// A cell CPU's registers as arch/arm64/frame.h saves them on the EL2 stack at every trap:
/// x0-x30, SVCR as it was (streaming mode is left while the hypervisor runs), ELR_EL2 and
/// SPSR_EL2 (where and how the cell resumes), q0-q31, FPSR, FPCR. The SVE registers beyond
/// q0-q31 go to the per-CPU area (<see cref="El2State"/>).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
internal unsafe struct TrapFrame
{
    public const int Size = 800;
    public const int SvcrOffset = 248;
    public const int ElrOffset = 256;
    public const int QOffset = 272;
    public const int FpsrOffset = 784;

    [FieldOffset(0)] public fixed ulong X[31];
    [FieldOffset(SvcrOffset)] public ulong Svcr;
    [FieldOffset(ElrOffset)] public ulong Elr;
    [FieldOffset(ElrOffset + 8)] public ulong Spsr;
    [FieldOffset(FpsrOffset)] public ulong Fpsr;
    [FieldOffset(FpsrOffset + 8)] public ulong Fpcr;
}
