namespace Jailhouse.Hypervisor;

/// <summary>
/// Per-CPU state of interrupt injection: interrupts taken at EL2 that found every list register
/// in use wait here, in arrival order, until the maintenance interrupt (underflow) says list
/// registers became free. One entry is an INTID with <see cref="PendingIrqQueue.Hardware"/> set
/// when the physical interrupt is deactivated together with the virtual one.
/// </summary>
internal unsafe struct PendingIrqQueue
{
    public const int Capacity = 64;
    public const uint Hardware = 1u << 31;

    public uint Head;
    public uint Count;
    /// <summary>Interrupts that found the queue full too (lost; a level interrupt fires again).</summary>
    public uint Dropped;
    public fixed uint Entries[Capacity];
}

/// <summary>
/// How one GIC version reaches a CPU's list registers and its physical CPU interface (GICv3:
/// ICH_LR&lt;n&gt;_EL2 and ICC_DIR_EL1/ICH_HCR_EL2 system registers, GICv2: GICH/GICC MMIO), as
/// static functions: <see cref="ListRegisters"/> runs one mechanism over either without
/// interface dispatch.
/// </summary>
internal unsafe struct ListRegisterAccess
{
    /// <summary>List registers in use (at most <see cref="ListRegisters.MaxCount"/>).</summary>
    public int Count;
    /// <summary>List register n, in GICv3 layout.</summary>
    public delegate*<uint, ulong> Read;
    public delegate*<uint, ulong, void> Write;
    /// <summary>Deactivates a hardware interrupt physically (one that is lost: it comes again).</summary>
    public delegate*<uint, void> Deactivate;
    /// <summary>Asks for the underflow maintenance interrupt (true) or stops asking.</summary>
    public delegate*<bool, void> Underflow;
}

/// <summary>
/// The list-register mechanism of GIC virtualization, independent of how the registers are
/// reached (<see cref="ListRegisterAccess"/>): <see cref="Inject(in ListRegisterAccess, ref PendingIrqQueue, uint, bool)"/>
/// when a physical interrupt was taken, <see cref="Refill(in ListRegisterAccess, ref PendingIrqQueue)"/>
/// on the underflow maintenance interrupt. Underneath, the registers are read into an array,
/// <see cref="Inject(ulong*, int, uint, bool, ref PendingIrqQueue)"/> decides which to write, and
/// that one is written back. Values are in GICv3 layout (vINTID 31:0, pINTID 41:32, priority 55:48, group 60, HW
/// 61, state 63:62); <see cref="ToGicv2"/> and <see cref="FromGicv2"/> convert for GICH_LR.
/// The hardware flag of a queue entry is bit 31, so INTIDs stay below 2^31.
/// An interrupt is never in two list registers: an SGI that is pending again while its virtual
/// copy is active becomes pending and active; one that is already pending stays once (the GIC
/// collects SGIs the same way).
/// </summary>
internal static unsafe class ListRegisters
{
    public const ulong StatePending = 1UL << 62;
    public const ulong StateActive = 2UL << 62;
    public const ulong StateMask = 3UL << 62;
    public const ulong HardwareBit = 1UL << 61;
    public const ulong Group1 = 1UL << 60;
    public const int PhysicalShift = 32;

    /// <summary>The most list registers used (GICv3 has at most 16, GICv2 up to 64: the rest stay unused).</summary>
    public const int MaxCount = 16;

    public static bool IsFree(ulong lr) => (lr & StateMask) == 0;

    /// <summary>
    /// Injects a physical interrupt just taken: into a free list register, or queued with the
    /// underflow maintenance interrupt asked for, or -- queue full -- lost (a hardware one is
    /// deactivated, so a level interrupt comes again).
    /// </summary>
    public static void Inject(in ListRegisterAccess access, ref PendingIrqQueue queue, uint intid, bool hardware)
    {
        int count = access.Count < MaxCount ? access.Count : MaxCount;
        ulong* lrs = stackalloc ulong[MaxCount];
        for (int i = 0; i < count; i++)
            lrs[i] = access.Read((uint)i);
        int index = Inject(lrs, count, intid, hardware, ref queue);
        if (index >= 0)
            access.Write((uint)index, lrs[index]);
        else if (index == Dropped && hardware)
            access.Deactivate(intid);
        if (queue.Count != 0)
            access.Underflow(true);
    }

    /// <summary>The underflow maintenance interrupt: queued interrupts into the list registers that
    /// became free; once the queue is empty, the maintenance interrupt is no longer asked for.</summary>
    public static void Refill(in ListRegisterAccess access, ref PendingIrqQueue queue)
    {
        int count = access.Count < MaxCount ? access.Count : MaxCount;
        ulong* lrs = stackalloc ulong[MaxCount];
        for (int i = 0; i < count; i++)
            lrs[i] = access.Read((uint)i);
        ulong changed = Refill(lrs, count, ref queue);
        for (int i = 0; i < count; i++)
            if ((changed & (1UL << i)) != 0)
                access.Write((uint)i, lrs[i]);
        if (queue.Count == 0)
            access.Underflow(false);
    }

    public static uint VirtualIntid(ulong lr) => (uint)lr;

    /// <summary>A pending group-1 interrupt at the highest priority; with <paramref name="hardware"/>
    /// the physical INTID is the same and is deactivated when the cell deactivates the virtual one.</summary>
    public static ulong Pending(uint intid, bool hardware)
    {
        ulong lr = StatePending | Group1 | intid;
        if (hardware)
            lr |= HardwareBit | (ulong)(intid & 0x3ff) << PhysicalShift;
        return lr;
    }

    /// <summary><see cref="Inject"/>: no register changed (pending already, or queued).</summary>
    public const int Unchanged = -1;
    /// <summary><see cref="Inject"/>: every register in use and the queue full: the interrupt is lost.</summary>
    public const int Dropped = -2;

    /// <summary>
    /// Puts <paramref name="intid"/> into one of <paramref name="count"/> list registers in
    /// <paramref name="lrs"/>: returns the index of the register to write back, or
    /// <see cref="Unchanged"/> (already pending, or every register in use: then it is queued in
    /// <paramref name="queue"/>, and the caller asks for the underflow maintenance interrupt), or
    /// <see cref="Dropped"/> when the queue is full too.
    /// </summary>
    public static int Inject(ulong* lrs, int count, uint intid, bool hardware, ref PendingIrqQueue queue)
    {
        int free = -1;
        for (int i = 0; i < count; i++)
        {
            ulong lr = lrs[i];
            if (IsFree(lr))
            {
                if (free < 0)
                    free = i;
                continue;
            }
            if (VirtualIntid(lr) != intid)
                continue;
            if ((lr & StatePending) != 0 || hardware)
                return Unchanged;   // pending already (a hardware interrupt cannot come again while active)
            lrs[i] = lr | StatePending;
            return i;
        }
        if (free < 0)
            return Enqueue(ref queue, intid, hardware) ? Unchanged : Dropped;
        lrs[free] = Pending(intid, hardware);
        return free;
    }

    public static bool Enqueue(ref PendingIrqQueue queue, uint intid, bool hardware)
    {
        uint entry = intid | (hardware ? PendingIrqQueue.Hardware : 0);
        for (uint i = 0; i < queue.Count; i++)
            if (queue.Entries[(queue.Head + i) % PendingIrqQueue.Capacity] == entry)
                return true;   // pending already
        if (queue.Count == PendingIrqQueue.Capacity)
        {
            queue.Dropped++;
            return false;
        }
        queue.Entries[(queue.Head + queue.Count) % PendingIrqQueue.Capacity] = entry;
        queue.Count++;
        return true;
    }

    public static bool Dequeue(ref PendingIrqQueue queue, out uint intid, out bool hardware)
    {
        intid = 0;
        hardware = false;
        if (queue.Count == 0)
            return false;
        uint entry = queue.Entries[queue.Head];
        queue.Head = (queue.Head + 1) % PendingIrqQueue.Capacity;
        queue.Count--;
        intid = entry & ~PendingIrqQueue.Hardware;
        hardware = (entry & PendingIrqQueue.Hardware) != 0;
        return true;
    }

    /// <summary>
    /// Moves queued interrupts into the free list registers (the maintenance interrupt's work);
    /// returns a bit mask of the registers changed. An SGI found in a register already merges
    /// there, as in <see cref="Inject"/>.
    /// </summary>
    public static ulong Refill(ulong* lrs, int count, ref PendingIrqQueue queue)
    {
        ulong changed = 0;
        uint waiting = queue.Count;
        for (uint n = 0; n < waiting; n++)
        {
            bool anyFree = false;
            for (int i = 0; i < count; i++)
                anyFree |= IsFree(lrs[i]);
            if (!anyFree)
                break;
            Dequeue(ref queue, out uint intid, out bool hardware);
            int index = Inject(lrs, count, intid, hardware, ref queue);
            if (index >= 0)
                changed |= 1UL << index;
        }
        return changed;
    }

    // GICH_LR (GICv2): VirtualID 9:0, PhysicalID 19:10 with HW 31; without HW: CPUID 12:10 (the
    // source CPU interface of an SGI) and EOI 19 (maintenance interrupt when the cell deactivates
    // it); priority 27:23 (upper five bits), state 29:28, Grp1 30. A GICv2 SGI is a different
    // interrupt per source CPU, so its "INTID" here is source << 10 | id, which is also where
    // GICH_LR and GICC_IAR carry the two. A hardware interrupt goes in without HW, with EOI: the
    // hypervisor deactivates the physical one itself (GicV2 says why); its physical INTID is its
    // virtual one.

    /// <summary>GICH_LR.EOI: the EOI maintenance interrupt when the cell deactivates this one.</summary>
    public const uint Gicv2Eoi = 1u << 19;
    /// <summary>GICH_LR.HW.</summary>
    public const uint Gicv2Hardware = 1u << 31;

    /// <summary>The GICH_LR value of <paramref name="lr"/> (group 0: GICv2 kernels without security
    /// extensions use group 0 signalled as IRQ).</summary>
    public static uint ToGicv2(ulong lr)
    {
        uint value = (uint)((lr >> 62) & 3) << 28 | (uint)((lr >> 51) & 0x1f) << 23;
        if ((lr & HardwareBit) != 0)
            return value | (uint)lr & 0x3ff | Gicv2Eoi;
        return value | (uint)lr & 0x1fff;
    }

    /// <summary>The list-register value (GICv3 layout) of a GICH_LR value (HW or EOI: a hardware interrupt).</summary>
    public static ulong FromGicv2(uint value)
    {
        ulong lr = (ulong)((value >> 28) & 3) << 62 | (ulong)((value >> 23) & 0x1f) << 51;
        if ((value & Gicv2Hardware) != 0)
            return lr | (value & 0x3ffu) | HardwareBit | (ulong)((value >> 10) & 0x3ff) << PhysicalShift;
        if ((value & Gicv2Eoi) != 0)
            return lr | (value & 0x3ffu) | HardwareBit | (ulong)(value & 0x3ff) << PhysicalShift;
        return lr | (value & 0x1fffu);
    }
}
