namespace Jailhouse.Hypervisor;

/// <summary>
/// What a stage-2 data abort from a cell says about the load or store that caused it. When
/// ESR_EL2.ISS.ISV is set the hardware describes a single-register access: SAS (bits 23:22,
/// log2 of the size), SSE (21, sign-extend a load), SRT (20:16, the register, 31 = xzr),
/// SF (15, 64-bit register), WnR (6, a write). HPFAR_EL2.FIPA (bits 43:4) gives bits 47:12 of
/// the guest-physical address, FAR_EL2 its page offset. Without ISV (pair, writeback, SIMD
/// accesses) the access cannot be emulated.
/// </summary>
internal struct DataAbort
{
    public bool Valid;
    /// <summary>The general register loaded or stored; 31 is the zero register.</summary>
    public uint Register;
    public bool SignExtend;
    /// <summary>The register is a 64-bit X register (else a W register: loads clear bits 63:32).</summary>
    public bool Wide;
    public ulong Address;
    public uint Size;
    public bool IsWrite;

    public const uint ZeroRegister = 31;

    public static DataAbort Decode(ulong esr, ulong hpfar, ulong far) => new()
    {
        Valid = (esr & (1ul << 24)) != 0,
        Size = 1u << (int)((esr >> 22) & 3),
        SignExtend = (esr & (1ul << 21)) != 0,
        Register = (uint)(esr >> 16) & 0x1f,
        Wide = (esr & (1ul << 15)) != 0,
        IsWrite = (esr & (1ul << 6)) != 0,
        Address = ((hpfar & 0xffffffffff0ul) << 8) | (far & 0xfff),
    };

    /// <summary>The value a store writes: the low <see cref="Size"/> bytes of the register (xzr reads 0).</summary>
    public readonly ulong StoreValue(ulong registerValue) =>
        Register == ZeroRegister ? 0 : registerValue & SizeMask(Size);

    /// <summary>What a load leaves in the register, given the <see cref="Size"/> bytes read.</summary>
    public readonly ulong LoadResult(ulong value)
    {
        value &= SizeMask(Size);
        if (SignExtend && Size < 8)
        {
            int shift = 64 - (int)Size * 8;
            value = (ulong)((long)(value << shift) >> shift);
        }
        return Wide ? value : value & 0xffffffff;
    }

    private static ulong SizeMask(uint size) => size >= 8 ? ~0ul : (1ul << (int)(size * 8)) - 1;
}
