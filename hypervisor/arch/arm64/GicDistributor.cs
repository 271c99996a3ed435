namespace Jailhouse.Hypervisor;

/// <summary>
/// What the hypervisor needs to emulate a cell's view of the GIC distributor: where the real
/// GICD is mapped at EL2, the GIC version, which interrupts the cell owns (one bit per INTID,
/// 1024 of them; SGIs and PPIs 0-31 are per CPU and always the cell's own), and the cell's
/// CPUs as a GICv2 target mask.
/// </summary>
internal unsafe struct GicDistributorState
{
    public const int OwnedWords = 32;

    public byte* Registers;
    public uint Version;
    public uint CpuTargets;
    /// <summary>The cell's CPU IDs (bit n = CPU n; on QEMU virt's single cluster CPU n has MPIDR Aff0 = n).</summary>
    public ulong CpuSet;
    /// <summary>The cell has every CPU (the root cell while it is the only cell): SGIs to "all but self" are its own.</summary>
    public bool HasAllCpus;
    public fixed uint Owned[OwnedWords];
}

/// <summary>
/// GIC distributor interception (upstream's irqchip handling of GICD accesses, written from the
/// GIC architecture specification): the distributor page is not mapped at stage 2, every access
/// traps and <see cref="Access"/> performs it on the cell's behalf. Reads pass through. Writes
/// to per-interrupt registers only change the bits of interrupts the cell owns: the set/clear
/// registers (ISENABLER ... ICACTIVER) are written with other cells' bits cleared, which leaves
/// those interrupts alone; IGROUPR, IGRPMODR, IPRIORITYR, ITARGETSR and ICFGR are
/// read-modify-write with the foreign fields kept; IROUTER (v3) of a foreign SPI, or naming a CPU
/// outside the cell, is write-ignored.
/// GICv2's GICD_SGIR is passed on only with targets among the cell's CPUs. Other registers
/// (CTLR and the identification registers) are the root cell's: writes pass through. Callers
/// serialize writes (read-modify-write) with a lock.
/// </summary>
internal static unsafe class GicDistributor
{
    public const ulong Size = 0x10000;   // GICv3; GICv2 uses the first 4 KiB

    private const ulong Igroupr = 0x080;
    private const ulong Isenabler = 0x100;
    private const ulong IcactiverEnd = 0x400;
    private const ulong Ipriorityr = 0x400;
    private const ulong Itargetsr = 0x800;
    private const ulong Icfgr = 0xc00;
    private const ulong Igrpmodr = 0xd00;
    private const ulong Nsacr = 0xe00;
    private const ulong Sgir = 0xf00;
    private const ulong Cpendsgir = 0xf10;
    private const ulong SpendsgirEnd = 0xf30;
    private const ulong Irouter = 0x6000;
    private const ulong IrouterEnd = 0x8000;

    /// <summary>Marks INTIDs pin_base + n for every bit n of <paramref name="bitmap"/> (128 bits) as owned.</summary>
    public static void Own(ref GicDistributorState state, uint pinBase, uint* bitmap)
    {
        for (uint bit = 0; bit < 128; bit++)
        {
            uint intid = pinBase + bit;
            if ((bitmap[bit / 32] & (1u << (int)(bit % 32))) != 0 && intid < GicDistributorState.OwnedWords * 32)
                state.Owned[intid / 32] |= 1u << (int)(intid % 32);
        }
    }

    public static bool Owns(in GicDistributorState state, uint intid) =>
        intid < 32 || (intid < GicDistributorState.OwnedWords * 32 && (state.Owned[intid / 32] & (1u << (int)(intid % 32))) != 0);

    /// <summary>
    /// The mask of bits of the cell's interrupts within <paramref name="size"/> bytes at
    /// <paramref name="offset"/> into a register array with <paramref name="bitsPerInterrupt"/>
    /// bits per INTID (the array starts at INTID 0).
    /// </summary>
    public static ulong OwnedMask(in GicDistributorState state, ulong offset, uint size, int bitsPerInterrupt)
    {
        ulong mask = 0;
        uint firstIntid = (uint)(offset * 8 / (ulong)bitsPerInterrupt);
        int count = (int)size * 8 / bitsPerInterrupt;
        ulong field = bitsPerInterrupt == 64 ? ~0ul : (1ul << bitsPerInterrupt) - 1;
        for (int i = 0; i < count; i++)
            if (Owns(state, firstIntid + (uint)i))
                mask |= field << (i * bitsPerInterrupt);
        return mask;
    }

    /// <summary>The MMIO handler (argument: the <see cref="GicDistributorState"/>).</summary>
    public static int Access(void* argument, MmioAccess* access)
    {
        var state = (GicDistributorState*)argument;
        ulong offset = access->Address;
        uint size = access->Size;
        if ((offset & (size - 1)) != 0)
            return MmioResult.Unhandled;   // the GIC has no unaligned accesses
        byte* register = state->Registers + offset;
        if (!access->IsWrite)
        {
            access->Value = MmioSized.Read(register, size);
            return MmioResult.Handled;
        }
        ulong value = access->Value;
        if (offset >= Isenabler && offset < IcactiverEnd)
        {
            // Set/clear registers: a 0 bit changes nothing, so foreign bits are simply cleared.
            MmioSized.Write(register, size, value & OwnedMask(*state, offset % 0x80, size, 1));
        }
        else if (offset >= Igroupr && offset < Isenabler)
            Merge(register, size, value, OwnedMask(*state, offset - Igroupr, size, 1));
        else if (state->Version == 3 && offset >= Igrpmodr && offset < Igrpmodr + 0x80)
            Merge(register, size, value, OwnedMask(*state, offset - Igrpmodr, size, 1));
        else if (offset >= Ipriorityr && offset < Itargetsr)
            Merge(register, size, value, OwnedMask(*state, offset - Ipriorityr, size, 8));
        else if (offset >= Itargetsr && offset < Icfgr)
        {
            // GICv2 routing; the first 32 bytes (SGIs, PPIs) are read-only. Only the cell's CPUs may be targets.
            if (state->Version == 3 || offset < Itargetsr + 32)
                return MmioResult.Handled;
            ulong targets = 0;
            for (uint i = 0; i < size; i++)
                targets |= (ulong)state->CpuTargets << (int)(i * 8);
            Merge(register, size, value & targets, OwnedMask(*state, offset - Itargetsr, size, 8));
        }
        else if (offset >= Icfgr && offset < Igrpmodr)
            Merge(register, size, value, OwnedMask(*state, offset - Icfgr, size, 2));
        else if (offset >= Nsacr && offset < Sgir)
            return MmioResult.Handled;   // non-secure access control: not the cell's business
        else if (offset == Sgir && state->Version == 2)
        {
            if (!SgiAllowed(*state, (uint)value))
                return MmioResult.Handled;   // targets outside the cell: dropped
            MmioSized.Write(register, size, value);
        }
        else if (offset >= Irouter && offset < IrouterEnd && state->Version == 3)
        {
            if (Owns(*state, (uint)((offset - Irouter) / 8)) && RouteAllowed(*state, offset, size, value))
                MmioSized.Write(register, size, value);
        }
        else if (offset >= Cpendsgir && offset < SpendsgirEnd)
            MmioSized.Write(register, size, value);   // the writing CPU's own SGI pending bits (banked)
        else
            MmioSized.Write(register, size, value);   // CTLR and the rest: the root cell's (the only cell)
        return MmioResult.Handled;
    }

    /// <summary>
    /// GICD_IROUTER (v3): "any CPU" (IRM, bit 31) only for a cell with every CPU, else the
    /// affinity must name one of the cell's CPUs (a single cluster: Aff3..Aff1 zero, Aff0 the
    /// CPU ID). A 32-bit write of the upper half sets Aff3, which must stay 0.
    /// </summary>
    public static bool RouteAllowed(in GicDistributorState state, ulong offset, uint size, ulong value)
    {
        if (size == 4 && (offset & 4) != 0)
            return value == 0;
        if ((value & (1ul << 31)) != 0)
            return state.HasAllCpus;
        if ((value & 0xff_00ff_ff00ul) != 0)
            return false;
        uint cpu = (uint)value & 0xff;
        return cpu < 64 && (state.CpuSet & (1ul << (int)cpu)) != 0;
    }

    /// <summary>GICD_SGIR: a target list (filter 0) may name only the cell's CPUs; "self" (2) is always
    /// fine, "all but self" (1) only for a cell with every CPU; 3 is reserved.</summary>
    public static bool SgiAllowed(in GicDistributorState state, uint sgir)
    {
        uint filter = (sgir >> 24) & 3;
        uint targets = (sgir >> 16) & 0xff;
        return filter switch
        {
            0 => (targets & ~state.CpuTargets) == 0,
            1 => state.HasAllCpus,
            2 => true,
            _ => false,
        };
    }

    private static void Merge(byte* register, uint size, ulong value, ulong ownedMask)
    {
        if (ownedMask == 0)
            return;
        ulong old = MmioSized.Read(register, size);
        MmioSized.Write(register, size, (old & ~ownedMask) | (value & ownedMask));
    }
}
