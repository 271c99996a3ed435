namespace Jailhouse.Hypervisor;

/// <summary>
/// What a stage-2 data abort from a cell says about the load or store that caused it. When
/// ESR_EL2.ISS.ISV is set the hardware describes a single-register access (size, sign
/// extension, register, width, direction: <see cref="Esr"/>); the guest-physical address comes
/// from HPFAR_EL2 and FAR_EL2. Only such a load or store by the cell itself can be emulated:
/// not without ISV (pair, writeback, SIMD accesses), not a fault on the cell's stage-1 table
/// walk (S1PTW: the cell keeps page tables where it has no memory), not a cache maintenance
/// instruction (CM: a DC by address on an MMIO page is no register access) and not an
/// external abort (EA: the memory system refused, no translation is missing).
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

    public static DataAbort Decode(ulong esrValue, ulong hpfar, ulong far)
    {
        var esr = new Esr(esrValue);
        return new DataAbort
        {
            Valid = esr.DataValid && !esr.StageOneTableWalk && !esr.CacheMaintenance && !esr.ExternalAbort,
            Size = 1u << (int)esr.DataSizeLog2,
            SignExtend = esr.DataSignExtend,
            Register = esr.DataRegister,
            Wide = esr.DataWide,
            IsWrite = esr.DataWrite,
            Address = Hpfar.GuestPhysical(hpfar, far),
        };
    }

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
