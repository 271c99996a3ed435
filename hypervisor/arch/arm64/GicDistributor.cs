namespace Jailhouse.Hypervisor;

/// <summary>
/// What the hypervisor needs to emulate a cell's view of the GIC distributor: where the real
/// GICD is mapped at EL2, the GIC version, which interrupts the cell owns (one bit per INTID:
/// 0-1023 and the GICv3.1 extended SPIs 4096-5119; SGIs and PPIs 0-31 are per CPU and always the
/// cell's own), the cell's CPUs, each CPU's affinity (GICv3) or CPU interface (GICv2), and the
/// question "do these two CPUs share a cell?" that SGIs are filtered with.
/// </summary>
internal unsafe struct GicDistributorState
{
    public const int OwnedWords = 32;
    public const uint ExtendedSpiBase = 4096;
    public const int MaxCpus = CpuAffinityTable.MaxCpus;

    public byte* Registers;
    public uint Version;
    /// <summary>The cell's CPU IDs (bit n = CPU n).</summary>
    public ulong CpuSet;
    /// <summary>The cell has every CPU (the root cell while it is the only cell): IRQ routing to "any CPU" is its to choose.</summary>
    public bool HasAllCpus;
    /// <summary>The cell controls the distributor as a whole (GICD_CTLR, STATUSR): the root cell.</summary>
    public bool ControlsDistributor;
    /// <summary>Each CPU's MPIDR affinity (GICD_IROUTER names CPUs by it).</summary>
    public CpuAffinityTable* Affinities;
    /// <summary>Whether a sender's SGI may reach a target CPU (<see cref="SgiRouting.Filter"/>).</summary>
    public delegate*<uint, uint, bool> SameCell;
    /// <summary>GICv2: bit n = CPU n recorded its CPU interface mask in <see cref="CpuInterface"/>.</summary>
    public ulong InterfacesKnown;
    /// <summary>SGIs/PPIs (bit n = INTID n) the hypervisor uses itself (GICv2: the maintenance
    /// interrupt, banked in the distributor): not the cell's.</summary>
    public uint ReservedPrivate;
    public fixed byte CpuInterface[MaxCpus];
    public fixed uint Owned[OwnedWords];
    public fixed uint OwnedExtended[OwnedWords];
}

/// <summary>
/// GIC distributor interception (upstream's irqchip handling of GICD accesses, written from the
/// GIC architecture specification): the distributor page is not mapped at stage 2, every access
/// traps and <see cref="Access"/> performs it on the cell's behalf. The emulation is a whitelist:
/// registers it does not know read as zero and ignore writes. Per-interrupt registers show and
/// change only the fields of interrupts the cell owns: the set/clear registers (ISENABLER ...
/// ICACTIVER) are written with other cells' bits cleared, IGROUPR, IGRPMODR, IPRIORITYR,
/// ITARGETSR and ICFGR are read-modify-write with the foreign fields kept, and reads show foreign
/// fields as zero; the same holds for the GICv3.1 extended SPI registers. GICD_IROUTER (v3) and
/// ITARGETSR (v2) may only name the cell's CPUs; SETSPI_NSR/CLRSPI_NSR only the cell's SPIs;
/// GICD_SGIR (v2) is sent only to the CPUs of the sender's cell, and only as a whole 32-bit write.
/// GICD_CTLR and STATUSR belong to the cell that controls the distributor (the root cell), the
/// identification registers are read-only, the secure-only registers (NSACR, SETSPI_SR) are
/// ignored. Callers serialize writes (read-modify-write) with a lock.
/// </summary>
internal static unsafe class GicDistributor
{
    public const ulong Size = 0x10000;   // GICv3; GICv2 uses the first 4 KiB

    private const ulong Ctlr = 0x000;
    private const ulong Typer = 0x004;
    private const ulong Iidr = 0x008;
    private const ulong Typer2 = 0x00c;
    private const ulong Statusr = 0x010;
    private const ulong SetspiNsr = 0x040;
    private const ulong ClrspiNsr = 0x048;
    private const ulong Igroupr = 0x080;
    private const ulong Isenabler = 0x100;
    private const ulong IcactiverEnd = 0x400;
    private const ulong Ipriorityr = 0x400;
    private const ulong Itargetsr = 0x800;
    private const ulong Icfgr = 0xc00;
    private const ulong Igrpmodr = 0xd00;
    private const ulong Sgir = 0xf00;
    private const ulong Cpendsgir = 0xf10;
    private const ulong SpendsgirEnd = 0xf30;
    private const ulong IgrouprE = 0x1000;
    private const ulong IsenablerE = 0x1200;
    private const ulong IcactiverEEnd = 0x1e00;
    private const ulong IpriorityrE = 0x2000;
    private const ulong IcfgrE = 0x3000;
    private const ulong IgrpmodrE = 0x3400;
    private const ulong Irouter = 0x6000;
    private const ulong IrouterEnd = 0x8000;
    private const ulong IrouterE = 0x8000;
    private const ulong IrouterEEnd = 0xa000;
    private const ulong Gicv3IdStart = 0xffd0;
    private const ulong Gicv2IdStart = 0xfd0;
    private const ulong Gicv2End = 0x1000;

    /// <summary>Marks INTIDs pin_base + n for every bit n of <paramref name="bitmap"/> (128 bits) as owned.</summary>
    public static void Own(ref GicDistributorState state, uint pinBase, uint* bitmap)
    {
        for (uint bit = 0; bit < 128; bit++)
        {
            if ((bitmap[bit / 32] & (1u << (int)(bit % 32))) == 0)
                continue;
            uint intid = pinBase + bit;
            if (intid < GicDistributorState.OwnedWords * 32)
                state.Owned[intid / 32] |= 1u << (int)(intid % 32);
            else if (intid - GicDistributorState.ExtendedSpiBase < GicDistributorState.OwnedWords * 32)
            {
                uint index = intid - GicDistributorState.ExtendedSpiBase;
                state.OwnedExtended[index / 32] |= 1u << (int)(index % 32);
            }
        }
    }

    /// <summary>
    /// A non-root cell's view of the distributor: the same registers, version, CPU affinities and
    /// interfaces and the hypervisor's reserved private interrupts as the root cell's
    /// (<paramref name="root"/>), the cell's own CPUs, the SPIs its irqchips entries at
    /// <paramref name="distributorBase"/> list, neither GICD_CTLR nor routing to "any CPU".
    /// </summary>
    public static void InitCell(ref GicDistributorState cell, in GicDistributorState root, CellDesc desc, ulong distributorBase)
    {
        cell.Registers = root.Registers;
        cell.Version = root.Version;
        cell.Affinities = root.Affinities;
        cell.SameCell = root.SameCell;
        cell.ReservedPrivate = root.ReservedPrivate;
        cell.InterfacesKnown = root.InterfacesKnown;
        for (int cpu = 0; cpu < GicDistributorState.MaxCpus; cpu++)
            cell.CpuInterface[cpu] = root.CpuInterface[cpu];
        cell.HasAllCpus = false;
        cell.ControlsDistributor = false;
        cell.CpuSet = CpusOf(desc);
        for (int i = 0; i < GicDistributorState.OwnedWords; i++)
        {
            cell.Owned[i] = 0;
            cell.OwnedExtended[i] = 0;
        }
        for (uint i = 0; i < desc.IrqchipCount; i++)
            if (desc.IrqchipAddress(i) == distributorBase)
                Own(ref cell, desc.IrqchipPinBase(i), desc.IrqchipPinBitmap(i));
    }

    /// <summary>The CPUs (below 64) of a cell configuration, bit n = CPU n.</summary>
    public static ulong CpusOf(CellDesc desc)
    {
        ulong set = 0;
        for (uint cpu = 0; cpu < 64 && cpu < desc.CpuSetSize * 8; cpu++)
            if (desc.HasCpu(cpu))
                set |= 1UL << (int)cpu;
        return set;
    }

    /// <summary>
    /// Hands SPI <paramref name="intid"/> to another cell: disabled (the new owner enables it
    /// when it is ready) and routed to CPU <paramref name="cpu"/>, one of the new owner's, so it
    /// never reaches a CPU of the cell that had it (GICv3 GICD_IROUTER by that CPU's affinity,
    /// GICv2 GICD_ITARGETSR by its CPU interface). The caller holds the write lock.
    /// </summary>
    public static void MoveSpi(in GicDistributorState state, uint intid, uint cpu)
    {
        if (intid < 32 || intid >= GicDistributorState.OwnedWords * 32 || cpu >= GicDistributorState.MaxCpus)
            return;
        Mmio32.Write(state.Registers + 0x180 + intid / 32 * 4, 1u << (int)(intid % 32));   // ICENABLER
        if (state.Version == 3)
        {
            if (state.Affinities != null && (state.Affinities->Known & (1UL << (int)cpu)) != 0)
                Mmio64.Write(state.Registers + Irouter + intid * 8, RouteOf(state.Affinities->Affinity[cpu]));
        }
        else if ((state.InterfacesKnown & (1UL << (int)cpu)) != 0)
            Mmio8.Write(state.Registers + Itargetsr + intid, state.CpuInterface[cpu]);
    }

    /// <summary>
    /// Cell create: the cell's CPUs and SPIs leave the root cell's view -- the root cell's writes
    /// to them are ignored from now on, and "any CPU" routing is no longer its to choose -- and
    /// each SPI is disabled and routed to the cell's first CPU. The caller holds the write lock.
    /// </summary>
    public static void MoveToCell(ref GicDistributorState root, in GicDistributorState cell, ulong systemCpus)
    {
        root.CpuSet &= ~cell.CpuSet;
        root.HasAllCpus = root.CpuSet == systemCpus;
        MoveSpis(ref root, cell, FirstCpu(cell.CpuSet), toRoot: false);
    }

    /// <summary>Cell destroy (its CPUs are parked): its CPUs and SPIs are the root cell's again, each
    /// SPI disabled and routed to CPU 0, which the root cell always keeps.</summary>
    public static void MoveToRoot(ref GicDistributorState root, in GicDistributorState cell, ulong systemCpus)
    {
        root.CpuSet |= cell.CpuSet & systemCpus;
        root.HasAllCpus = root.CpuSet == systemCpus;
        MoveSpis(ref root, cell, 0, toRoot: true);
    }

    private static void MoveSpis(ref GicDistributorState root, in GicDistributorState cell, uint cpu, bool toRoot)
    {
        for (uint word = 1; word < GicDistributorState.OwnedWords; word++)
        {
            uint bits = cell.Owned[word];
            if (bits == 0)
                continue;
            if (toRoot)
                root.Owned[word] |= bits;
            else
                root.Owned[word] &= ~bits;
            for (int bit = 0; bit < 32; bit++)
                if ((bits & (1u << bit)) != 0)
                    MoveSpi(cell, word * 32 + (uint)bit, cpu);
        }
    }

    private static uint FirstCpu(ulong set)
    {
        for (int cpu = 0; cpu < 64; cpu++)
            if ((set & (1UL << cpu)) != 0)
                return (uint)cpu;
        return 0;
    }

    /// <summary>The GICD_IROUTER value (IRM clear) that names the CPU of MPIDR affinity <paramref name="affinity"/>.</summary>
    public static ulong RouteOf(ulong affinity) => (affinity & 0xff_0000_0000UL) | (affinity & 0xff_ffff);

    public static bool Owns(in GicDistributorState state, uint intid)
    {
        if (intid < 32)
            return (state.ReservedPrivate & (1u << (int)intid)) == 0;
        if (intid < GicDistributorState.OwnedWords * 32)
            return (state.Owned[intid / 32] & (1u << (int)(intid % 32))) != 0;
        uint index = intid - GicDistributorState.ExtendedSpiBase;
        return index < GicDistributorState.OwnedWords * 32 && (state.OwnedExtended[index / 32] & (1u << (int)(index % 32))) != 0;
    }

    /// <summary>
    /// The mask of bits of the cell's interrupts within <paramref name="size"/> bytes of a register
    /// array with <paramref name="bitsPerInterrupt"/> bits per INTID whose first byte covers
    /// <paramref name="firstIntid"/>.
    /// </summary>
    public static ulong OwnedMask(in GicDistributorState state, uint firstIntid, uint size, int bitsPerInterrupt)
    {
        ulong mask = 0;
        int count = (int)size * 8 / bitsPerInterrupt;
        ulong field = bitsPerInterrupt == 64 ? ~0ul : (1ul << bitsPerInterrupt) - 1;
        for (int i = 0; i < count; i++)
            if (Owns(state, firstIntid + (uint)i))
                mask |= field << (i * bitsPerInterrupt);
        return mask;
    }

    /// <summary>The first INTID an access at <paramref name="offset"/> into an array starting at
    /// <paramref name="arrayStart"/> (for INTID <paramref name="baseIntid"/>) covers.</summary>
    private static uint FirstIntid(ulong offset, ulong arrayStart, uint baseIntid, int bitsPerInterrupt) =>
        baseIntid + (uint)((offset - arrayStart) * 8 / (ulong)bitsPerInterrupt);

    /// <summary>The MMIO handler (argument: the <see cref="GicDistributorState"/>).</summary>
    public static int Access(void* argument, MmioAccess* access)
    {
        var state = (GicDistributorState*)argument;
        ulong offset = access->Address;
        uint size = access->Size;
        if ((offset & (size - 1)) != 0)
            return MmioResult.Unhandled;   // the GIC has no unaligned accesses
        if (state->Version == 2 ? offset >= Gicv2End : offset >= Size)
            return MmioResult.Unhandled;
        if (!access->IsWrite)
            access->Value = 0;

        if (offset >= Isenabler && offset < IcactiverEnd)
            SetClear(state, access, FirstIntid(offset % 0x80, 0, 0, 1));
        else if (offset >= Igroupr && offset < Isenabler)
            PerInterrupt(state, access, FirstIntid(offset, Igroupr, 0, 1), 1);
        else if (offset >= Ipriorityr && offset < Itargetsr)
            PerInterrupt(state, access, FirstIntid(offset, Ipriorityr, 0, 8), 8);
        else if (offset >= Itargetsr && offset < Icfgr)
            Targets(state, access);
        else if (offset >= Icfgr && offset < Igrpmodr)
            PerInterrupt(state, access, FirstIntid(offset, Icfgr, 0, 2), 2);
        else if (state->Version == 2)
            Gicv2Other(state, access);
        else if (offset >= Igrpmodr && offset < Igrpmodr + 0x80)
            PerInterrupt(state, access, FirstIntid(offset, Igrpmodr, 0, 1), 1);
        else if (offset >= IsenablerE && offset < IcactiverEEnd)
            SetClear(state, access, FirstIntid(offset % 0x200, 0, GicDistributorState.ExtendedSpiBase, 1));
        else if (offset >= IgrouprE && offset < IgrouprE + 0x80)
            PerInterrupt(state, access, FirstIntid(offset, IgrouprE, GicDistributorState.ExtendedSpiBase, 1), 1);
        else if (offset >= IpriorityrE && offset < IpriorityrE + 0x400)
            PerInterrupt(state, access, FirstIntid(offset, IpriorityrE, GicDistributorState.ExtendedSpiBase, 8), 8);
        else if (offset >= IcfgrE && offset < IcfgrE + 0x100)
            PerInterrupt(state, access, FirstIntid(offset, IcfgrE, GicDistributorState.ExtendedSpiBase, 2), 2);
        else if (offset >= IgrpmodrE && offset < IgrpmodrE + 0x80)
            PerInterrupt(state, access, FirstIntid(offset, IgrpmodrE, GicDistributorState.ExtendedSpiBase, 1), 1);
        else if (offset >= Irouter && offset < IrouterEnd)
            Route(state, access, (uint)((offset - Irouter) / 8), offset);
        else if (offset >= IrouterE && offset < IrouterEEnd)
            Route(state, access, GicDistributorState.ExtendedSpiBase + (uint)((offset - IrouterE) / 8), offset);
        else if (offset == SetspiNsr || offset == ClrspiNsr)
        {
            // Write-only; the INTID is bits 12:0 (extended SPIs included), and only 32-bit writes count.
            uint intid = (uint)access->Value;
            if (access->IsWrite && size == 4 && intid >= 32 && intid < 0x2000 && Owns(*state, intid))
                Mmio32.Write(state->Registers + offset, intid);
        }
        else
            Global(state, access, Gicv3IdStart);
        return MmioResult.Handled;
    }

    /// <summary>GICv2's registers past ICFGR: GICD_SGIR, the SGI pending bits, the rest as <see cref="Global"/>.</summary>
    private static void Gicv2Other(GicDistributorState* state, MmioAccess* access)
    {
        ulong offset = access->Address;
        if (offset >= Sgir && offset < Sgir + 4)
        {
            // Write-only. A byte or halfword write (or one at 0xf01..0xf03) would reach the GIC
            // unfiltered: only a whole 32-bit write is taken, and sent as a filtered target list.
            if (!access->IsWrite || offset != Sgir || access->Size != 4)
                return;
            uint sgir = (uint)access->Value;
            ulong targets = SgiRouting.SgirTargets(sgir, access->Cpu, state->CpuInterface, state->InterfacesKnown);
            targets = SgiRouting.Filter(access->Cpu, targets, state->SameCell);
            if (targets != 0)
                Mmio32.Write(state->Registers + Sgir, SgiRouting.EncodeSgir(sgir, targets, state->CpuInterface));
        }
        else if (offset >= Cpendsgir && offset < SpendsgirEnd)
            Perform(state, access);   // the accessing CPU's own (banked) SGI pending bits
        else
            Global(state, access, Gicv2IdStart);
    }

    /// <summary>CTLR/STATUSR for the controlling cell, read-only identification registers, and
    /// nothing else (read as zero, write ignored).</summary>
    private static void Global(GicDistributorState* state, MmioAccess* access, ulong idStart)
    {
        ulong offset = access->Address;
        if (offset == Ctlr || offset == Statusr)
        {
            if (!access->IsWrite || state->ControlsDistributor)
                Perform(state, access);
        }
        else if (offset == Typer || offset == Iidr || (offset == Typer2 && state->Version == 3) || offset >= idStart)
        {
            if (!access->IsWrite)
                Perform(state, access);
        }
    }

    private static void Perform(GicDistributorState* state, MmioAccess* access)
    {
        byte* register = state->Registers + access->Address;
        if (access->IsWrite)
            MmioSized.Write(register, access->Size, access->Value);
        else
            access->Value = MmioSized.Read(register, access->Size);
    }

    /// <summary>Set/clear registers: a 0 bit changes nothing, so foreign bits are simply cleared.</summary>
    private static void SetClear(GicDistributorState* state, MmioAccess* access, uint firstIntid)
    {
        ulong mask = OwnedMask(*state, firstIntid, access->Size, 1);
        byte* register = state->Registers + access->Address;
        if (access->IsWrite)
            MmioSized.Write(register, access->Size, access->Value & mask);
        else
            access->Value = MmioSized.Read(register, access->Size) & mask;
    }

    /// <summary>Registers with a field per interrupt: read and write only the cell's fields.</summary>
    private static void PerInterrupt(GicDistributorState* state, MmioAccess* access, uint firstIntid, int bitsPerInterrupt)
    {
        ulong mask = OwnedMask(*state, firstIntid, access->Size, bitsPerInterrupt);
        byte* register = state->Registers + access->Address;
        if (access->IsWrite)
            Merge(register, access->Size, access->Value, mask);
        else
            access->Value = MmioSized.Read(register, access->Size) & mask;
    }

    /// <summary>GICv2 GICD_ITARGETSR: the first 32 bytes (SGIs, PPIs) read the accessing CPU's
    /// interface and are read-only; an SPI may only target the cell's CPUs. GICv3 (affinity routing): RAZ/WI.</summary>
    private static void Targets(GicDistributorState* state, MmioAccess* access)
    {
        ulong offset = access->Address;
        if (state->Version == 3)
            return;
        if (offset < Itargetsr + 32)
        {
            if (!access->IsWrite)
                Perform(state, access);
            return;
        }
        if (!access->IsWrite)
        {
            PerInterrupt(state, access, FirstIntid(offset, Itargetsr, 0, 8), 8);
            return;
        }
        uint cellInterfaces = CellInterfaces(*state);
        ulong targets = 0;
        for (uint i = 0; i < access->Size; i++)
            targets |= (ulong)cellInterfaces << (int)(i * 8);
        Merge(state->Registers + offset, access->Size, access->Value & targets,
            OwnedMask(*state, FirstIntid(offset, Itargetsr, 0, 8), access->Size, 8));
    }

    /// <summary>GICv2: the CPU interface bits of the cell's CPUs.</summary>
    public static uint CellInterfaces(in GicDistributorState state)
    {
        uint mask = 0;
        for (int cpu = 0; cpu < GicDistributorState.MaxCpus; cpu++)
            if ((state.CpuSet & state.InterfacesKnown & (1UL << cpu)) != 0)
                mask |= state.CpuInterface[cpu];
        return mask;
    }

    /// <summary>GICD_IROUTER(E) of <paramref name="intid"/>: a foreign or non-SPI entry reads as zero
    /// and ignores writes, a route outside the cell is ignored.</summary>
    private static void Route(GicDistributorState* state, MmioAccess* access, uint intid, ulong offset)
    {
        if (intid < 32 || !Owns(*state, intid))
            return;
        if (access->IsWrite && !RouteAllowed(*state, offset, access->Size, access->Value))
            return;
        Perform(state, access);
    }

    /// <summary>
    /// GICD_IROUTER (v3): "any CPU" (IRM, bit 31) only for a cell with every CPU, else the
    /// affinity (Aff3 39:32, Aff2..Aff0 23:0) must be that of one of the cell's CPUs. A 32-bit
    /// write of one half is checked with the other half as the register holds it.
    /// </summary>
    public static bool RouteAllowed(in GicDistributorState state, ulong offset, uint size, ulong value)
    {
        if (size == 4)
        {
            ulong whole = Mmio64.Read(state.Registers + (offset & ~7UL));
            value = (offset & 4) != 0 ? (whole & 0xffff_ffffUL) | (value << 32) : (whole & ~0xffff_ffffUL) | (value & 0xffff_ffffUL);
        }
        else if (size != 8)
            return false;
        if ((value & (1ul << 31)) != 0)
            return state.HasAllCpus;
        if (state.Affinities == null)
            return false;
        long cpu = CpuAffinity.CpuOf(*state.Affinities, value);
        return cpu >= 0 && (state.CpuSet & (1UL << (int)cpu)) != 0;
    }

    private static void Merge(byte* register, uint size, ulong value, ulong ownedMask)
    {
        if (ownedMask == 0)
            return;
        ulong old = MmioSized.Read(register, size);
        MmioSized.Write(register, size, (old & ~ownedMask) | (value & ownedMask));
    }
}
