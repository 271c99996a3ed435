namespace Jailhouse.Hypervisor;

/// <summary>
/// The fields of ESR_EL2, the syndrome of a trap to EL2: the exception class (bits 31:26), the
/// instruction length (25) and the class's ISS (24:0), with the ISS layouts the hypervisor
/// reads: data aborts (<see cref="DataAbort"/>), trapped system instructions (EC 0x18) and the
/// immediate of an HVC.
/// </summary>
internal readonly struct Esr
{
    public const uint ClassUnknown = 0x00;
    /// <summary>WFI or WFE trapped (HCR_EL2.TWI/TWE, set for non-root cells).</summary>
    public const uint ClassWfx = 0x01;
    public const uint ClassHvc64 = 0x16;
    public const uint ClassSmc64 = 0x17;
    /// <summary>MSR, MRS or a system instruction (AArch64), trapped by an HCR_EL2 control.</summary>
    public const uint ClassSystem64 = 0x18;
    public const uint ClassSve = 0x19;
    public const uint ClassInstructionAbortLower = 0x20;
    public const uint ClassDataAbortLower = 0x24;

    public readonly ulong Value;

    public Esr(ulong value) => Value = value;

    public uint Class => (uint)(Value >> 26) & 0x3f;

    /// <summary>IL: a 32-bit instruction trapped (else a 16-bit one, which AArch64 has none of).</summary>
    public bool Is32BitInstruction => Bit(25);

    public uint Iss => (uint)Value & 0x1ff_ffff;

    /// <summary>The 16-bit immediate of a trapped HVC or SMC.</summary>
    public ushort Immediate => (ushort)Value;

    // Data abort ISS (Arm ARM: ISS encoding for an exception from a Data Abort).

    /// <summary>ISV: SAS, SSE, SRT, SF and AR describe the access.</summary>
    public bool DataValid => Bit(24);
    /// <summary>SAS: log2 of the access size in bytes.</summary>
    public uint DataSizeLog2 => (uint)(Value >> 22) & 3;
    public bool DataSignExtend => Bit(21);
    /// <summary>SRT: the general register loaded or stored (31 = xzr).</summary>
    public uint DataRegister => (uint)(Value >> 16) & 0x1f;
    /// <summary>SF: a 64-bit register (else a W register).</summary>
    public bool DataWide => Bit(15);
    /// <summary>EA: an external abort, not a translation or permission fault.</summary>
    public bool ExternalAbort => Bit(9);
    /// <summary>CM: a cache maintenance or address translation instruction faulted, not a load or store.</summary>
    public bool CacheMaintenance => Bit(8);
    /// <summary>S1PTW: stage 2 faulted on the cell's own stage-1 table walk, not on its access.</summary>
    public bool StageOneTableWalk => Bit(7);
    /// <summary>WnR: a write (for CM faults it is always set).</summary>
    public bool DataWrite => Bit(6);

    // Trapped MSR/MRS/SYS ISS (EC 0x18): Op0 21:20, Op2 19:17, Op1 16:14, CRn 13:10, Rt 9:5,
    // CRm 4:1, Direction 0 (1 = read).

    public uint SystemOp0 => (uint)(Value >> 20) & 3;
    public uint SystemOp2 => (uint)(Value >> 17) & 7;
    public uint SystemOp1 => (uint)(Value >> 14) & 7;
    public uint SystemCrn => (uint)(Value >> 10) & 0xf;
    public uint SystemRegister => (uint)(Value >> 5) & 0x1f;
    public uint SystemCrm => (uint)(Value >> 1) & 0xf;
    public bool SystemRead => Bit(0);

    /// <summary>The instruction's encoding (Op0, Op1, CRn, CRm, Op2) in one value, to compare with <see cref="SystemEncoding"/>.</summary>
    public uint SystemInstruction => SystemEncoding(SystemOp0, SystemOp1, SystemCrn, SystemCrm, SystemOp2);

    public static uint SystemEncoding(uint op0, uint op1, uint crn, uint crm, uint op2) =>
        (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2;

    /// <summary>DC ISW, DC CSW, DC CISW (Op0 1, Op1 0, CRn 7, CRm 6/10/14, Op2 2) as <see cref="SystemInstruction"/>.</summary>
    public const uint DcIsw = (1u << 14) | (7u << 7) | (6u << 3) | 2;
    public const uint DcCsw = (1u << 14) | (7u << 7) | (10u << 3) | 2;
    public const uint DcCisw = (1u << 14) | (7u << 7) | (14u << 3) | 2;

    private bool Bit(int n) => (Value & (1ul << n)) != 0;
}

/// <summary>HPFAR_EL2 with FAR_EL2: the guest-physical address of a stage-2 fault.</summary>
internal static class Hpfar
{
    /// <summary>HPFAR_EL2.FIPA (bits 43:4) holds bits 47:12 of the address; FAR_EL2 gives the page offset.</summary>
    public static ulong GuestPhysical(ulong hpfar, ulong far) => ((hpfar & 0xffffffffff0ul) << 8) | (far & 0xfff);
}
