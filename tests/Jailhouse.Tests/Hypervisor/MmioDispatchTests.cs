using Jailhouse.Hypervisor;

namespace Jailhouse.Tests.Hypervisor;

/// <summary>Stage-2 data abort decoding (DataAbort) and the MMIO handler table (MmioDispatch).</summary>
public sealed unsafe class MmioDispatchTests
{
    // ESR_EL2 of a data abort from a lower EL (EC 0x24), 32-bit instruction (IL), level-3 translation fault.
    private const ulong DataAbortBase = (0x24ul << 26) | (1ul << 25) | 0x07;
    private const ulong Isv = 1ul << 24;

    private static ulong Esr(uint sizeLog2, bool signExtend, uint register, bool sixtyFour, bool write) =>
        DataAbortBase | Isv | ((ulong)sizeLog2 << 22) | (signExtend ? 1ul << 21 : 0) | ((ulong)register << 16)
        | (sixtyFour ? 1ul << 15 : 0) | (write ? 1ul << 6 : 0);

    [Fact]
    public void AWordStoreIsDecodedWithRegisterSizeAndGuestPhysicalAddress()
    {
        // str w3, [x0] to 0x0800_0104 (GICD_ISENABLER1): HPFAR.FIPA = 0x08000 in bits 43:4, FAR has the page offset.
        DataAbort abort = DataAbort.Decode(Esr(2, false, 3, false, true), 0x08000ul << 4, 0xffff_8000_0801_0104);
        Assert.True(abort.Valid);
        Assert.True(abort.IsWrite);
        Assert.Equal(4u, abort.Size);
        Assert.Equal(3u, abort.Register);
        Assert.False(abort.Wide);
        Assert.Equal(0x0800_0104ul, abort.Address);
        Assert.Equal(0x89ab_cdefUL, abort.StoreValue(0x0123_4567_89ab_cdef));
    }

    [Fact]
    public void HighGuestPhysicalAddressesComeFromHpfarBits43To4()
    {
        DataAbort abort = DataAbort.Decode(Esr(3, false, 0, true, false), (0x80_1234_5678ul << 4) | 0xf, 0xabc);
        Assert.Equal(0x80_1234_5678_abcul, abort.Address);   // bits 3:0 of HPFAR are RES0 and ignored
        Assert.Equal(8u, abort.Size);
    }

    [Fact]
    public void WithoutIsvTheAccessIsNotDescribed()
    {
        DataAbort abort = DataAbort.Decode(DataAbortBase | (2ul << 22) | (1ul << 6), 0, 0);   // e.g. stp, or a writeback store
        Assert.False(abort.Valid);
    }

    /// <summary>
    /// A described access (ISV) is still no load or store of the cell's to emulate when stage 2
    /// faulted on the cell's own stage-1 table walk (S1PTW), on a cache maintenance instruction
    /// (CM) or with an external abort (EA): those go to the unhandled-trap report.
    /// </summary>
    [Theory]
    [InlineData(7)]   // S1PTW
    [InlineData(8)]   // CM
    [InlineData(9)]   // EA
    public void Table_walk_cache_maintenance_and_external_aborts_are_not_emulated(int bit)
    {
        ulong described = Esr(2, false, 3, false, true);
        Assert.True(DataAbort.Decode(described, 0x08000ul << 4, 0x104).Valid);
        Assert.False(DataAbort.Decode(described | (1ul << bit), 0x08000ul << 4, 0x104).Valid);
    }

    [Fact]
    public void Esr_fields_of_a_trapped_system_instruction()
    {
        // dc isw, x5 trapped by HCR_EL2.TSW: Op0 1, Op1 0, CRn 7, CRm 6, Op2 2, Rt 5, a write.
        var esr = new Jailhouse.Hypervisor.Esr((0x18ul << 26) | (1ul << 25) | (1ul << 20) | (2ul << 17) | (7ul << 10) | (5ul << 5) | (6ul << 1));
        Assert.Equal(Jailhouse.Hypervisor.Esr.ClassSystem64, esr.Class);
        Assert.True(esr.Is32BitInstruction);
        Assert.Equal(Jailhouse.Hypervisor.Esr.SystemEncoding(1, 0, 7, 6, 2), esr.SystemInstruction);
        Assert.Equal(Jailhouse.Hypervisor.Esr.DcIsw, esr.SystemInstruction);
        Assert.Equal((Jailhouse.Hypervisor.Esr.SystemEncoding(1, 0, 7, 10, 2), Jailhouse.Hypervisor.Esr.SystemEncoding(1, 0, 7, 14, 2)), (Jailhouse.Hypervisor.Esr.DcCsw, Jailhouse.Hypervisor.Esr.DcCisw));
        Assert.Equal(5u, esr.SystemRegister);
        Assert.False(esr.SystemRead);
    }

    [Theory]
    [InlineData(0u, false, true, 0x80ul, 0x80ul)]                       // ldrb w: zero-extended
    [InlineData(0u, true, false, 0x80ul, 0xffff_ff80ul)]                // ldrsb w: sign-extended to 32 bits
    [InlineData(0u, true, true, 0x80ul, 0xffff_ffff_ffff_ff80ul)]       // ldrsb x
    [InlineData(1u, true, true, 0x1_7fffUL, 0x7fffUL)]                  // ldrsh x of a positive value; stray high bits dropped
    [InlineData(2u, true, true, 0x8000_0000ul, 0xffff_ffff_8000_0000ul)] // ldrsw
    [InlineData(2u, false, false, 0xdead_beef_0000_0001ul, 0x1ul)]       // ldr w
    [InlineData(3u, false, true, 0xdead_beef_0000_0001ul, 0xdead_beef_0000_0001ul)] // ldr x
    public void LoadsLeaveTheRegisterAsTheInstructionWould(uint sizeLog2, bool signExtend, bool wide, ulong read, ulong expected)
    {
        DataAbort abort = DataAbort.Decode(Esr(sizeLog2, signExtend, 5, wide, false), 0, 0);
        Assert.False(abort.IsWrite);
        Assert.Equal(expected, abort.LoadResult(read));
    }

    [Fact]
    public void AStoreOfTheZeroRegisterWritesZero()
    {
        DataAbort abort = DataAbort.Decode(Esr(2, false, DataAbort.ZeroRegister, false, true), 0, 0);
        Assert.Equal(0ul, abort.StoreValue(0x1234));
    }

    private static int calls;
    private static ulong lastOffset;
    private static ulong lastArgument;

    private static int Echo(void* argument, MmioAccess* access)
    {
        calls++;
        lastOffset = access->Address;
        lastArgument = (ulong)argument;
        if (!access->IsWrite)
            access->Value = 0x1000 + access->Address;
        return MmioResult.Handled;
    }

    private static int Refuse(void* argument, MmioAccess* access) => MmioResult.Unhandled;

    [Fact]
    public void AccessesGoToTheRegionThatHoldsThemWithTheOffsetInsideIt()
    {
        MmioRegionHandler* storage = stackalloc MmioRegionHandler[4];
        var table = new MmioDispatch(storage, 4);
        Assert.Equal(0, table.Register(0x0800_0000, 0x1_0000, &Echo, (void*)7));
        Assert.Equal(0, table.Register(0x0900_0000, 0x1000, &Refuse, null));
        calls = 0;

        var read = new MmioAccess(0x0800_0104, 4, false, 0);
        Assert.Equal(MmioResult.Handled, table.Dispatch(&read));
        Assert.Equal(0x104ul, lastOffset);
        Assert.Equal(7ul, lastArgument);
        Assert.Equal(0x1104ul, read.Value);

        var refused = new MmioAccess(0x0900_0000, 4, true, 1);
        Assert.Equal(MmioResult.Unhandled, table.Dispatch(&refused));   // the handler said no
        var outside = new MmioAccess(0x0801_0000, 4, true, 1);
        Assert.Equal(MmioResult.Unhandled, table.Dispatch(&outside));   // just past the first region
        var straddling = new MmioAccess(0x0800_fffc, 8, false, 0);
        Assert.Equal(MmioResult.Unhandled, table.Dispatch(&straddling)); // not wholly inside
        Assert.Equal(1, calls);
    }

    [Fact]
    public void OverlappingEmptyOrTooManyRegionsAreRefused()
    {
        MmioRegionHandler* storage = stackalloc MmioRegionHandler[2];
        var table = new MmioDispatch(storage, 2);
        Assert.Equal(0, table.Register(0x1000, 0x1000, &Echo, null));
        Assert.Equal(Errno.EINVAL, table.Register(0x1fff, 0x10, &Echo, null));
        Assert.Equal(Errno.EINVAL, table.Register(0x3000, 0, &Echo, null));
        Assert.Equal(Errno.EINVAL, table.Register(0xffff_ffff_ffff_f000, 0x2000, &Echo, null));
        Assert.Equal(Errno.EINVAL, table.Register(0x3000, 0x10, null, null));
        Assert.Equal(0, table.Register(0x2000, 0x1000, &Echo, null));   // adjacent is fine
        Assert.Equal(Errno.ENOMEM, table.Register(0x4000, 0x1000, &Echo, null));
        Assert.Equal(2u, table.Count);
    }
}
