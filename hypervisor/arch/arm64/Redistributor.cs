namespace Jailhouse.Hypervisor;

/// <summary>
/// What the hypervisor needs to emulate the GICv3 redistributors: where they are mapped at EL2
/// (one 128 KiB frame pair per redistributor: RD_base, then SGI_base), how many there are, which
/// CPU owns each frame (found by its GICR_TYPER affinity when the CPU enters), the PPIs the
/// hypervisor keeps for itself, and the "same cell?" question writes are checked with.
/// </summary>
internal unsafe struct RedistributorState
{
    public const int MaxFrames = 64;

    public byte* Registers;
    public uint Count;
    /// <summary>SGIs/PPIs (bit n = INTID n) the hypervisor uses itself: a cell cannot change them.</summary>
    public uint ReservedPrivate;
    public delegate*<uint, uint, bool> SameCell;
    /// <summary>Bit n: frame n belongs to the CPU in <see cref="CpuOfFrame"/>[n].</summary>
    public ulong FramesKnown;
    public fixed byte CpuOfFrame[MaxFrames];
}

/// <summary>
/// GICv3 redistributor interception, as upstream does it for every cell: the redistributors are
/// not mapped at stage 2, every access traps. LPIs are the hypervisor's to refuse: GICR_CTLR
/// (EnableLPIs), PROPBASER, PENDBASER, SETLPIR, CLRLPIR, INVLPIR, INVALLR and SYNCR read as zero
/// and ignore writes, so a cell cannot point the GIC's LPI tables (which the GIC writes) at
/// memory it does not own; GICR_TYPER shows no LPI support. The identification registers and GICR_TYPER read through (a cell
/// finds its CPU's redistributor by affinity; the last frame emulated carries Last); GICR_CTLR
/// (read), WAKER, STATUSR and the SGI/PPI registers of the SGI frame are performed for a CPU of
/// the accessing CPU's cell only, without the hypervisor's own private interrupts (which also
/// read as zero); another cell's CPU's frame reads as zero apart from its identity. Everything
/// else reads as zero and ignores writes.
/// </summary>
internal static unsafe class Redistributor
{
    public const ulong FrameSize = 0x20000;
    private const ulong SgiFrame = 0x10000;

    private const ulong Ctlr = 0x0000;
    private const ulong Iidr = 0x0004;
    private const ulong Typer = 0x0008;
    private const ulong Statusr = 0x0010;
    private const ulong Waker = 0x0014;
    private const ulong IdStart = 0xffd0;
    public const ulong TyperLast = 1UL << 4;
    /// <summary>GICR_TYPER's PLPIS (0), VLPIS (1) and DirectLPI (3).</summary>
    public const ulong TyperLpiSupport = 0xb;

    private const ulong Igroupr0 = 0x080;
    private const ulong Isenabler0 = 0x100;
    private const ulong IcactiverEnd = 0x400;
    private const ulong Ipriorityr = 0x400;
    private const ulong IpriorityrEnd = 0x460;
    private const ulong Icfgr = 0xc00;
    private const ulong IcfgrEnd = 0xc18;
    private const ulong Igrpmodr0 = 0xd00;
    private const ulong IgrpmodrEnd = 0xd0c;

    /// <summary>The affinity GICR_TYPER reports (bits 63:32: Aff3.Aff2.Aff1.Aff0) in MPIDR layout.</summary>
    public static ulong TyperAffinity(ulong typer)
    {
        ulong value = typer >> 32;
        return (value >> 24 & 0xff) << 32 | (value & 0xff_ffff);
    }

    /// <summary>Frame <paramref name="frame"/> belongs to CPU <paramref name="cpu"/>.</summary>
    public static void Assign(ref RedistributorState state, uint frame, uint cpu)
    {
        if (frame >= state.Count || frame >= RedistributorState.MaxFrames || cpu > 0xff)
            return;
        state.CpuOfFrame[frame] = (byte)cpu;
        state.FramesKnown |= 1UL << (int)frame;
    }

    /// <summary>The MMIO handler (argument: the <see cref="RedistributorState"/>).</summary>
    public static int Access(void* argument, MmioAccess* access)
    {
        var state = (RedistributorState*)argument;
        ulong address = access->Address;
        uint size = access->Size;
        if ((address & (size - 1)) != 0 || address / FrameSize >= state->Count || size > 8)
            return MmioResult.Unhandled;
        uint frame = (uint)(address / FrameSize);
        ulong offset = address % FrameSize;
        byte* register = state->Registers + address;
        bool mayWrite = WriterOwns(state, frame, access->Cpu);
        if (!access->IsWrite)
            access->Value = 0;

        if (offset >= SgiFrame)
        {
            Private(state, access, register, offset - SgiFrame, mayWrite);
            return MmioResult.Handled;
        }
        if (offset == Typer || offset == Typer + 4 || offset == Iidr || offset >= IdStart)
        {
            if (access->IsWrite)
                return MmioResult.Handled;
            access->Value = MmioSized.Read(register, size);
            if (offset == Typer)
            {
                // No LPIs (physical, virtual or direct) are offered; and only the frames emulated
                // exist for the cell: the last of them ends the list.
                access->Value &= ~TyperLpiSupport;
                if (frame == state->Count - 1)
                    access->Value |= TyperLast;
            }
            return MmioResult.Handled;
        }
        // Another cell's CPU's frame shows nothing but its identity (TYPER, IIDR, ID registers).
        if (!mayWrite)
            return MmioResult.Handled;
        if (offset == Ctlr && !access->IsWrite)
            access->Value = MmioSized.Read(register, size) & ~1UL;   // EnableLPIs reads as 0: no LPIs
        else if ((offset == Waker || offset == Statusr) && size == 4)
        {
            if (access->IsWrite)
                Mmio32.Write(register, (uint)access->Value);
            else
                access->Value = Mmio32.Read(register);
        }
        return MmioResult.Handled;
    }

    /// <summary>Whether the CPU that writes shares a cell with the CPU of <paramref name="frame"/>.</summary>
    private static bool WriterOwns(RedistributorState* state, uint frame, uint writer) =>
        frame < RedistributorState.MaxFrames && (state->FramesKnown & (1UL << (int)frame)) != 0
        && state->SameCell(writer, state->CpuOfFrame[frame]);

    /// <summary>The SGI frame: the SGI/PPI registers (with the extended PPI range), each bit or
    /// field of a reserved interrupt left alone; reads of another cell's CPU show zero.</summary>
    private static void Private(RedistributorState* state, MmioAccess* access, byte* register, ulong offset, bool sameCell)
    {
        int bits;
        uint firstIntid;
        if (offset >= Isenabler0 && offset < IcactiverEnd)
        {
            bits = 1;
            firstIntid = (uint)(offset % 0x80) * 8;
        }
        else if (offset >= Igroupr0 && offset < Igroupr0 + 12)
        {
            bits = 1;
            firstIntid = (uint)(offset - Igroupr0) * 8;
        }
        else if (offset >= Igrpmodr0 && offset < IgrpmodrEnd)
        {
            bits = 1;
            firstIntid = (uint)(offset - Igrpmodr0) * 8;
        }
        else if (offset >= Ipriorityr && offset < IpriorityrEnd)
        {
            bits = 8;
            firstIntid = (uint)(offset - Ipriorityr);
        }
        else if (offset >= Icfgr && offset < IcfgrEnd)
        {
            bits = 2;
            firstIntid = (uint)(offset - Icfgr) * 4;
        }
        else
            return;   // NSACR and the rest: read as zero, write ignored
        if (offset >= Isenabler0 && offset < IcactiverEnd && offset % 0x80 >= 12)
            return;   // past the extended PPI words
        if (!sameCell)
            return;
        ulong mask = ~ReservedMask(state->ReservedPrivate, firstIntid, access->Size, bits);
        if (access->Size < 8)
            mask &= (1UL << (int)(access->Size * 8)) - 1;
        if (!access->IsWrite)
        {
            access->Value = MmioSized.Read(register, access->Size) & mask;   // reserved ones read as zero
            return;
        }
        bool setClear = offset >= Isenabler0 && offset < IcactiverEnd;
        if (setClear)
            MmioSized.Write(register, access->Size, access->Value & mask);
        else if (mask != 0)
        {
            ulong old = MmioSized.Read(register, access->Size);
            MmioSized.Write(register, access->Size, (old & ~mask) | (access->Value & mask));
        }
    }

    /// <summary>The bits of reserved interrupts (INTIDs below 32) among <paramref name="size"/> bytes
    /// with <paramref name="bitsPerInterrupt"/> bits each from <paramref name="firstIntid"/>.</summary>
    private static ulong ReservedMask(uint reserved, uint firstIntid, uint size, int bitsPerInterrupt)
    {
        ulong mask = 0;
        int count = (int)size * 8 / bitsPerInterrupt;
        ulong field = (1UL << bitsPerInterrupt) - 1;
        for (int i = 0; i < count; i++)
        {
            uint intid = firstIntid + (uint)i;
            if (intid < 32 && (reserved & (1u << (int)intid)) != 0)
                mask |= field << (i * bitsPerInterrupt);
        }
        return mask;
    }
}
