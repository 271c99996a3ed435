using Jailhouse.Hypervisor;

namespace Jailhouse.Tests.Hypervisor;

/// <summary>
/// Interrupt injection through list registers (ListRegisters) on an array standing in for
/// ICH_LR&lt;n&gt;_EL2: free registers are used first, an interrupt is never in two registers,
/// the queue takes the overflow in order and refills registers as they become free.
/// </summary>
public sealed unsafe class ListRegisterTests
{
    [Fact]
    public void AHardwareInterruptGoesPendingWithItsPhysicalIdIntoTheFirstFreeRegister()
    {
        ulong* lrs = stackalloc ulong[4];
        var queue = new PendingIrqQueue();
        lrs[0] = ListRegisters.Pending(30, true);
        Assert.Equal(1, ListRegisters.Inject(lrs, 4, 27, true, ref queue));
        Assert.Equal((1UL << 62) | (1UL << 61) | (1UL << 60) | (27UL << 32) | 27, lrs[1]);
        Assert.Equal(2, ListRegisters.Inject(lrs, 4, 3, false, ref queue));         // an SGI: no HW bit, no physical ID
        Assert.Equal((1UL << 62) | (1UL << 60) | 3, lrs[2]);
        Assert.Equal(0u, queue.Count);
    }

    [Fact]
    public void AnInterruptIsNeverInTwoRegisters()
    {
        ulong* lrs = stackalloc ulong[4];
        var queue = new PendingIrqQueue();
        lrs[2] = ListRegisters.Pending(5, false);
        Assert.Equal(ListRegisters.Unchanged, ListRegisters.Inject(lrs, 4, 5, false, ref queue)); // pending already
        lrs[2] = ListRegisters.StateActive | ListRegisters.Group1 | 5;                            // being handled
        Assert.Equal(2, ListRegisters.Inject(lrs, 4, 5, false, ref queue));                        // pending and active
        Assert.Equal(ListRegisters.StateMask, lrs[2] & ListRegisters.StateMask);
        lrs[3] = ListRegisters.StateActive | ListRegisters.Group1 | ListRegisters.HardwareBit | 40 | (40UL << 32);
        Assert.Equal(ListRegisters.Unchanged, ListRegisters.Inject(lrs, 4, 40, true, ref queue));
        Assert.Equal(0UL, lrs[0] | lrs[1]);
        Assert.Equal(0u, queue.Count);
    }

    [Fact]
    public void OverflowWaitsInOrderAndRefillsFreedRegisters()
    {
        ulong* lrs = stackalloc ulong[2];
        var queue = new PendingIrqQueue();
        Assert.Equal(0, ListRegisters.Inject(lrs, 2, 33, true, ref queue));
        Assert.Equal(1, ListRegisters.Inject(lrs, 2, 34, true, ref queue));
        Assert.Equal(ListRegisters.Unchanged, ListRegisters.Inject(lrs, 2, 35, true, ref queue));
        Assert.Equal(ListRegisters.Unchanged, ListRegisters.Inject(lrs, 2, 1, false, ref queue));
        Assert.Equal(ListRegisters.Unchanged, ListRegisters.Inject(lrs, 2, 1, false, ref queue)); // queued once
        Assert.Equal(2u, queue.Count);
        Assert.Equal(0UL, ListRegisters.Refill(lrs, 2, ref queue));                               // nothing free yet
        lrs[1] = 0;                                                                                // the cell finished 34
        Assert.Equal(0b10UL, ListRegisters.Refill(lrs, 2, ref queue));
        Assert.Equal(ListRegisters.Pending(35, true), lrs[1]);
        Assert.Equal(1u, queue.Count);
        lrs[0] = 0;
        lrs[1] = 0;
        Assert.Equal(0b01UL, ListRegisters.Refill(lrs, 2, ref queue));
        Assert.Equal(ListRegisters.Pending(1, false), lrs[0]);
        Assert.Equal(0u, queue.Count);
    }

    [Fact]
    public void AFullQueueDropsAndCounts()
    {
        ulong* lrs = stackalloc ulong[1];
        var queue = new PendingIrqQueue();
        lrs[0] = ListRegisters.Pending(32, true);
        for (uint i = 0; i < PendingIrqQueue.Capacity; i++)
            Assert.Equal(ListRegisters.Unchanged, ListRegisters.Inject(lrs, 1, 100 + i, true, ref queue));
        Assert.Equal(ListRegisters.Dropped, ListRegisters.Inject(lrs, 1, 999, true, ref queue));
        Assert.Equal(1u, queue.Dropped);
        Assert.True(ListRegisters.Dequeue(ref queue, out uint first, out bool hardware));
        Assert.Equal((100u, true), (first, hardware));
    }

    // Two registers of a fake GIC for the ListRegisterAccess path (what GicV3/GicV2 hand over).
    private static readonly ulong[] FakeRegisters = new ulong[2];
    private static bool fakeUnderflow;
    private static readonly List<uint> FakeDeactivated = [];
    private static ulong FakeRead(uint index) => FakeRegisters[index];
    private static void FakeWrite(uint index, ulong lr) => FakeRegisters[index] = lr;
    private static void FakeDeactivate(uint intid) => FakeDeactivated.Add(intid);
    private static void FakeUnderflow(bool on) => fakeUnderflow = on;

    /// <summary>
    /// More interrupts than list registers through the access functions: the overflow waits in
    /// the queue with the underflow interrupt asked for; as the cell finishes registers, the
    /// maintenance work moves the waiting ones in, in order, and stops asking once none wait.
    /// </summary>
    [Fact]
    public void MoreInterruptsThanRegistersWaitForTheUnderflowAndComeInOrder()
    {
        Array.Clear(FakeRegisters);
        fakeUnderflow = false;
        FakeDeactivated.Clear();
        var access = new ListRegisterAccess { Count = 2, Read = &FakeRead, Write = &FakeWrite, Deactivate = &FakeDeactivate, Underflow = &FakeUnderflow };
        var queue = new PendingIrqQueue();
        ListRegisters.Inject(access, ref queue, 27, true);
        ListRegisters.Inject(access, ref queue, 3, false);
        Assert.False(fakeUnderflow);
        ListRegisters.Inject(access, ref queue, 33, true);
        ListRegisters.Inject(access, ref queue, 4, false);
        Assert.True(fakeUnderflow);
        Assert.Equal(2u, queue.Count);
        Assert.Equal(new uint[] { 27, 3 }, FakeRegisters.Select(ListRegisters.VirtualIntid).ToArray());

        FakeRegisters[1] = 0;                               // the cell finished SGI 3
        ListRegisters.Refill(access, ref queue);
        Assert.Equal(new uint[] { 27, 33 }, FakeRegisters.Select(ListRegisters.VirtualIntid).ToArray());
        Assert.True(fakeUnderflow);                         // SGI 4 still waits
        FakeRegisters[0] = 0;
        ListRegisters.Refill(access, ref queue);
        Assert.Equal(new uint[] { 4, 33 }, FakeRegisters.Select(ListRegisters.VirtualIntid).ToArray());
        Assert.False(fakeUnderflow);
        Assert.Equal(0u, queue.Count);
        Assert.Empty(FakeDeactivated);
    }

    /// <summary>With registers and queue full, a hardware interrupt is lost and deactivated (it
    /// comes again), an SGI is just lost.</summary>
    [Fact]
    public void AHardwareInterruptFindingTheQueueFullIsDeactivated()
    {
        Array.Clear(FakeRegisters);
        FakeDeactivated.Clear();
        var access = new ListRegisterAccess { Count = 2, Read = &FakeRead, Write = &FakeWrite, Deactivate = &FakeDeactivate, Underflow = &FakeUnderflow };
        var queue = new PendingIrqQueue();
        for (uint i = 0; i < 2 + PendingIrqQueue.Capacity; i++)
            ListRegisters.Inject(access, ref queue, 100 + i, true);
        Assert.Empty(FakeDeactivated);
        ListRegisters.Inject(access, ref queue, 999, true);
        ListRegisters.Inject(access, ref queue, 5, false);
        Assert.Equal(new uint[] { 999 }, FakeDeactivated.ToArray());
        Assert.Equal(2u, queue.Dropped);
    }

    [Fact]
    public void Gicv2ListRegistersCarryTheSameFields()
    {
        ulong hw = ListRegisters.Pending(27, true) | (0xa0UL << 48);
        uint v2 = ListRegisters.ToGicv2(hw);
        Assert.Equal((1u << 19) | (1u << 28) | 27 | (0x14u << 23), v2);      // group 0, EOI maintenance instead of HW
        Assert.Equal(hw & ~ListRegisters.Group1, ListRegisters.FromGicv2(v2));
        uint sgi = ListRegisters.ToGicv2(ListRegisters.Pending((5u << 10) | 2, false));  // SGI 2 from CPU interface 5
        Assert.Equal((1u << 28) | (5u << 10) | 2, sgi);
        Assert.Equal((5u << 10) | 2, ListRegisters.VirtualIntid(ListRegisters.FromGicv2(sgi)));
        Assert.Equal(ListRegisters.StateActive, ListRegisters.FromGicv2(2u << 28 | 40 | 1u << 31 | 40u << 10) & ListRegisters.StateMask);
    }

    [Fact]
    public void Gicv2SgisFromDifferentSourcesAreDifferentInterrupts()
    {
        ulong* lrs = stackalloc ulong[2];
        var queue = new PendingIrqQueue();
        Assert.Equal(0, ListRegisters.Inject(lrs, 2, (1u << 10) | 3, false, ref queue));
        Assert.Equal(1, ListRegisters.Inject(lrs, 2, (2u << 10) | 3, false, ref queue));
        Assert.Equal(ListRegisters.Unchanged, ListRegisters.Inject(lrs, 2, (1u << 10) | 3, false, ref queue));
        Assert.Equal(0u, queue.Count);
    }
}
