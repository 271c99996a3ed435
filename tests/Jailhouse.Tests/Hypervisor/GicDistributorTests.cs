using System.Runtime.InteropServices;
using Jailhouse.Hypervisor;

namespace Jailhouse.Tests.Hypervisor;

/// <summary>
/// GIC distributor interception (GicDistributor.Access) on a buffer standing in for the GICD
/// registers: a cell that owns some SPIs cannot enable, configure or route the others.
/// </summary>
public sealed unsafe class GicDistributorTests : IDisposable
{
    private readonly byte* registers = (byte*)NativeMemory.AllocZeroed(0x10000);
    private readonly GicDistributorState* state = (GicDistributorState*)NativeMemory.AllocZeroed((nuint)sizeof(GicDistributorState));
    private readonly CpuAffinityTable* affinities = (CpuAffinityTable*)NativeMemory.AllocZeroed((nuint)sizeof(CpuAffinityTable));

    /// <summary>The "same cell?" answer for SGIs: both CPUs among 0 and 1.</summary>
    private static bool CpusZeroAndOne(uint sender, uint target) => sender < 2 && target < 2;

    public GicDistributorTests()
    {
        state->Registers = registers;
        state->Version = 3;
        state->CpuSet = 0xf;
        state->HasAllCpus = true;
        state->ControlsDistributor = true;
        // CPUs 0 and 1 in cluster 0, CPUs 2 and 3 in cluster 1 (Aff1 = 1), as on a big.LITTLE board.
        CpuAffinity.Record(ref *affinities, 0, 0x8000_0000);
        CpuAffinity.Record(ref *affinities, 1, 0x8000_0001);
        CpuAffinity.Record(ref *affinities, 2, 0x8000_0100);
        CpuAffinity.Record(ref *affinities, 3, 0x8000_0101);
        state->Affinities = affinities;
        state->SameCell = &CpusZeroAndOne;
        // The cell owns SPIs 32-47 and 64 (pin base 32: bits 0-15 and 32).
        uint* bitmap = stackalloc uint[4] { 0x0000_ffff, 1, 0, 0 };
        GicDistributor.Own(ref *state, 32, bitmap);
    }

    public void Dispose()
    {
        NativeMemory.Free(registers);
        NativeMemory.Free(state);
        NativeMemory.Free(affinities);
    }

    private int Write(ulong offset, uint size, ulong value, uint cpu = 0)
    {
        var access = new MmioAccess(offset, size, true, value) { Cpu = cpu };
        return GicDistributor.Access(state, &access);
    }

    private ulong Read(ulong offset, uint size)
    {
        var access = new MmioAccess(offset, size, false, 0);
        Assert.Equal(MmioResult.Handled, GicDistributor.Access(state, &access));
        return access.Value;
    }

    private uint Reg32(ulong offset) => *(uint*)(registers + offset);

    [Fact]
    public void OwnershipComesFromThePinBitmapAndSgisPpisAreAlwaysTheCells()
    {
        Assert.True(GicDistributor.Owns(*state, 0));
        Assert.True(GicDistributor.Owns(*state, 31));
        Assert.True(GicDistributor.Owns(*state, 32));
        Assert.True(GicDistributor.Owns(*state, 47));
        Assert.False(GicDistributor.Owns(*state, 48));
        Assert.True(GicDistributor.Owns(*state, 64));
        Assert.False(GicDistributor.Owns(*state, 65));
        Assert.False(GicDistributor.Owns(*state, 1020));
    }

    [Theory]
    [InlineData(0x100ul)]   // ISENABLER
    [InlineData(0x180ul)]   // ICENABLER
    [InlineData(0x200ul)]   // ISPENDR
    [InlineData(0x280ul)]   // ICPENDR
    [InlineData(0x300ul)]   // ISACTIVER
    [InlineData(0x380ul)]   // ICACTIVER
    public void SetAndClearRegistersPassOnlyTheCellsBits(ulong register)
    {
        Assert.Equal(MmioResult.Handled, Write(register + 4, 4, 0xffff_ffff));   // SPIs 32-63
        Assert.Equal(0x0000_ffffu, Reg32(register + 4));
        Assert.Equal(MmioResult.Handled, Write(register + 8, 4, 0xffff_ffff));   // SPIs 64-95
        Assert.Equal(1u, Reg32(register + 8));
        Assert.Equal(MmioResult.Handled, Write(register + 12, 4, 0xffff_ffff));  // SPIs 96-127: none
        Assert.Equal(0u, Reg32(register + 12));
        Assert.Equal(MmioResult.Handled, Write(register, 4, 0x8000_0001));       // SGI 0, PPI 31
        Assert.Equal(0x8000_0001u, Reg32(register));
    }

    [Fact]
    public void GroupPriorityAndConfigurationKeepOtherInterruptsFields()
    {
        *(uint*)(registers + 0x084) = 0xaaaa_0000;                        // IGROUPR1: foreign SPIs 48-63 in some state
        Write(0x084, 4, 0x5555_5555);
        Assert.Equal(0xaaaa_5555u, Reg32(0x084));

        *(uint*)(registers + 0x400 + 48) = 0x1122_3344;                   // IPRIORITYR of SPIs 48-51 (foreign)
        Write(0x400 + 44, 4, 0xa0a0_a0a0);                                 // SPIs 44-47: the cell's
        Write(0x400 + 48, 4, 0xa0a0_a0a0);
        Assert.Equal(0xa0a0_a0a0u, Reg32(0x400 + 44));
        Assert.Equal(0x1122_3344u, Reg32(0x400 + 48));
        Write(0x400 + 64, 1, 0x80);                                        // byte access to SPI 64: owned
        Write(0x400 + 65, 1, 0x80);                                        // SPI 65: not
        Assert.Equal(0x80u, Reg32(0x400 + 64));

        *(uint*)(registers + 0xc0c) = 0xffff_ffff;                        // ICFGR3: SPIs 48-63
        Write(0xc08, 4, 0x5555_5555);                                      // ICFGR2: SPIs 32-47, all the cell's
        Write(0xc0c, 4, 0);
        Assert.Equal(0x5555_5555u, Reg32(0xc08));
        Assert.Equal(0xffff_ffffu, Reg32(0xc0c));
    }

    [Fact]
    public void Gicv3RoutingOfForeignSpisIsIgnored()
    {
        Write(0x6000 + 8 * 40, 8, 0x101);                                  // IROUTER40 to CPU 3 (cluster 1, Aff0 1)
        Write(0x6000 + 8 * 50, 8, 0x101);                                  // IROUTER50: foreign
        Write(0x6000 + 8 * 64, 4, 0x100);                                  // lower half of IROUTER64: CPU 2
        Assert.Equal(0x101ul, Read(0x6000 + 8 * 40, 8));
        Assert.Equal(0ul, Read(0x6000 + 8 * 50, 8));
        *(ulong*)(registers + 0x6000 + 8 * 50) = 0x101;
        Assert.Equal(0ul, Read(0x6000 + 8 * 50, 8));                       // nor does a foreign route show
        Assert.Equal(0x100ul, Read(0x6000 + 8 * 64, 8));
    }

    [Fact]
    public void Gicv3RoutingNamesOnlyTheCellsCpus()
    {
        state->CpuSet = 0x5;                                               // CPUs 0 and 2
        state->HasAllCpus = false;
        Write(0x6000 + 8 * 40, 8, 0x100);                                  // CPU 2: Aff1 = 1, Aff0 = 0
        Assert.Equal(0x100ul, Read(0x6000 + 8 * 40, 8));
        Write(0x6000 + 8 * 40, 8, 1);                                      // CPU 1: not the cell's
        Write(0x6000 + 8 * 40, 8, 0x101);                                  // CPU 3: not the cell's
        Write(0x6000 + 8 * 40, 8, 2);                                      // Aff0 = 2 in cluster 0: no such CPU
        Write(0x6000 + 8 * 40, 8, 1ul << 31);                              // any CPU: the cell lacks some
        Write(0x6000 + 8 * 40 + 4, 4, 1);                                  // Aff3 = 1
        Assert.Equal(0x100ul, Read(0x6000 + 8 * 40, 8));
        Write(0x6000 + 8 * 40, 4, 0);                                      // lower half: Aff3 as held (0) -> CPU 0
        Assert.Equal(0ul, Read(0x6000 + 8 * 40, 8));
        Write(0x6000 + 8 * 41, 4, 0);                                      // lower half to CPU 0
        Write(0x6000 + 8 * 41 + 4, 4, 0);
        Assert.Equal(0ul, Read(0x6000 + 8 * 41, 8));
        state->HasAllCpus = true;
        Write(0x6000 + 8 * 40, 8, 1ul << 31);
        Assert.Equal(1ul << 31, Read(0x6000 + 8 * 40, 8));
    }

    [Fact]
    public void Gicv2TargetsNameOnlyTheCellsCpusAndSgisStayInsideTheCell()
    {
        state->Version = 2;
        state->CpuSet = 0x3;                                               // CPUs 0 and 1 (interfaces 1 and 2)
        state->HasAllCpus = false;
        for (int cpu = 0; cpu < 4; cpu++)
            state->CpuInterface[cpu] = (byte)(1 << cpu);
        state->InterfacesKnown = 0xf;
        Write(0x800 + 40, 4, 0x0f0f_0f0f);                                 // ITARGETSR 40-43
        Assert.Equal(0x0303_0303u, Reg32(0x800 + 40));
        Write(0x800 + 48, 4, 0x0101_0101);                                 // foreign SPIs
        Assert.Equal(0u, Reg32(0x800 + 48));
        Write(0x800, 4, 0x0101_0101);                                      // SGIs/PPIs: read-only
        Assert.Equal(0u, Reg32(0x800));

        Write(0xf00, 4, (0x2u << 16) | 5);                                 // SGI 5 to CPU 1: sent
        Assert.Equal((0x2u << 16) | 5, Reg32(0xf00));
        *(uint*)(registers + 0xf00) = 0;
        Write(0xf00, 4, (0x4u << 16) | 5);                                 // to CPU 2: not the cell's
        Write(0xf00, 4, (0x2u << 16) | 5, cpu: 2);                         // from CPU 2 to CPU 1: not its cell
        Assert.Equal(0u, Reg32(0xf00));
        Write(0xf00, 4, (0xcu << 16) | (1u << 15) | 6);                    // CPUs 2, 3 dropped, none left
        Assert.Equal(0u, Reg32(0xf00));
        Write(0xf00, 4, (0xeu << 16) | (1u << 15) | 6);                    // CPUs 1-3: only CPU 1, NSATT kept
        Assert.Equal((0x2u << 16) | (1u << 15) | 6, Reg32(0xf00));
        Write(0xf00, 4, (1u << 24) | 5);                                   // all but self: the cell's other CPU, as a list
        Assert.Equal((0x2u << 16) | 5, Reg32(0xf00));
        Write(0xf00, 4, (2u << 24) | 7, cpu: 1);                           // self (CPU 1)
        Assert.Equal((0x2u << 16) | 7, Reg32(0xf00));
        *(uint*)(registers + 0xf00) = 0;
        Write(0xf00, 4, (3u << 24) | 7);                                   // reserved filter: nothing
        Write(0xf02, 1, 0xff);                                             // a byte of the target list
        Write(0xf02, 2, 0xff);                                             // a halfword
        Write(0xf00, 2, 5);                                                // the lower halfword alone
        Assert.Equal(0u, Reg32(0xf00));
    }

    [Fact]
    public void ReadsShowOnlyTheCellsInterruptsAndUnalignedAccessesAreRefused()
    {
        *(uint*)(registers + 0x104) = 0xdead_beef;
        Assert.Equal(0xbeeful, Read(0x104, 4));                            // SPIs 48-63 are not the cell's
        Assert.Equal(0xbeul, Read(0x105, 1));
        *(uint*)(registers + 0x4) = 0x0078_0007;                           // TYPER
        Assert.Equal(0x0078_0007ul, Read(0x4, 4));
        Assert.Equal(MmioResult.Unhandled, Write(0x102, 4, 1));
        var access = new MmioAccess(0x101, 2, false, 0);
        Assert.Equal(MmioResult.Unhandled, GicDistributor.Access(state, &access));
    }

    /// <summary>A whitelist: what the emulation does not know reads as zero and ignores writes;
    /// identification registers are read-only; CTLR belongs to the cell that controls the distributor.</summary>
    [Theory]
    [InlineData(0x0020ul)]   // reserved
    [InlineData(0x0050ul)]   // SETSPI_SR: secure
    [InlineData(0x0e04ul)]   // NSACR
    [InlineData(0x0f00ul)]   // GICD_SGIR is GICv2's
    [InlineData(0x4000ul)]   // reserved
    [InlineData(0x6000ul)]   // IROUTER of SGI 0: reserved
    [InlineData(0xa000ul)]   // past IROUTER<E>
    [InlineData(0xc000ul)]   // implementation defined
    public void UnknownRegistersReadAsZeroAndIgnoreWrites(ulong offset)
    {
        *(uint*)(registers + offset) = 0x1234_5678;
        Assert.Equal(0ul, Read(offset, 4));
        Assert.Equal(MmioResult.Handled, Write(offset, 4, 0xffff_ffff));
        Assert.Equal(0x1234_5678u, Reg32(offset));
    }

    [Fact]
    public void IdentificationRegistersAreReadOnlyAndControlBelongsToTheControllingCell()
    {
        *(uint*)(registers + 0xffe8) = 0x3b;                               // PIDR2: GICv3
        Assert.Equal(0x3bul, Read(0xffe8, 4));
        Write(0xffe8, 4, 0);
        Write(0x0004, 4, 0);                                               // TYPER
        Assert.Equal(0x3bu, Reg32(0xffe8));
        Write(0x0000, 4, 0x12);                                            // CTLR: ARE_NS | EnableGrp1A
        Assert.Equal(0x12u, Reg32(0x0000));
        state->ControlsDistributor = false;
        Write(0x0000, 4, 0);
        Assert.Equal(0x12u, Reg32(0x0000));
        Assert.Equal(0x12ul, Read(0x0000, 4));
    }

    [Fact]
    public void SetspiAndClrspiNameOnlyTheCellsSpis()
    {
        foreach (ulong register in new ulong[] { 0x40, 0x48 })
        {
            Write(register, 4, 40);
            Assert.Equal(40u, Reg32(register));
            *(uint*)(registers + register) = 0;
            Write(register, 4, 50);                                        // foreign SPI
            Write(register, 4, 27);                                        // a PPI
            Write(register, 4, 0x1_0000 | 40);                             // INTID beyond 13 bits
            Write(register, 2, 40);                                        // not a 32-bit write
            Assert.Equal(0u, Reg32(register));
            Assert.Equal(0ul, Read(register, 4));                          // write-only
        }
    }

    [Fact]
    public void ExtendedSpisFollowTheirOwnPins()
    {
        uint* bitmap = stackalloc uint[4] { 0x0000_0005, 0, 0, 0 };        // ESPIs 4096 and 4098
        GicDistributor.Own(ref *state, 4096, bitmap);
        Assert.True(GicDistributor.Owns(*state, 4096));
        Assert.False(GicDistributor.Owns(*state, 4097));
        Assert.True(GicDistributor.Owns(*state, 4098));
        Write(0x1200, 4, 0xffff_ffff);                                     // ISENABLER<E>0
        Assert.Equal(5u, Reg32(0x1200));
        Write(0x1c00, 4, 0xffff_ffff);                                     // ICACTIVER<E>0
        Assert.Equal(5u, Reg32(0x1c00));
        Write(0x2000, 4, 0xa0a0_a0a0);                                     // IPRIORITYR<E>: 4096, 4098
        Assert.Equal(0x00a0_00a0u, Reg32(0x2000));
        Write(0x3000, 4, 0xffff_ffff);                                     // ICFGR<E>0
        Assert.Equal(0x33u, Reg32(0x3000));
        Write(0x8000 + 8 * 2, 8, 1);                                       // IROUTER<E> of 4098: CPU 1
        Write(0x8000 + 8 * 1, 8, 1);                                       // of 4097: foreign
        Assert.Equal(1ul, Read(0x8000 + 8 * 2, 8));
        Assert.Equal(0ul, Read(0x8000 + 8 * 1, 8));
        Write(0x40, 4, 4098);                                              // SETSPI_NSR of an owned ESPI
        Assert.Equal(4098u, Reg32(0x40));
    }

    [Fact]
    public void AReservedPrivateInterruptIsNotTheCells()
    {
        state->Version = 2;
        state->ReservedPrivate = 1u << 25;                                 // GICv2 maintenance interrupt
        Assert.False(GicDistributor.Owns(*state, 25));
        Assert.True(GicDistributor.Owns(*state, 27));
        *(uint*)(registers + 0x100) = 1u << 25;
        Write(0x180, 4, 0xffff_ffff);                                      // ICENABLER0
        Assert.Equal(~(1u << 25), Reg32(0x180));
        Assert.Equal(0ul, Read(0x100, 4));                                 // reads as not there
        Write(0x400 + 25, 1, 0xff);                                        // its priority
        Assert.Equal(0u, Reg32(0x418) & 0xff00);
    }

    /// <summary>The qemu-arm64 root cell's SPIs (32-159) in the fixture's state, and the
    /// inmate-demo cell's view (CPU 1, SPI 144) made from its compiled configuration.</summary>
    private GicDistributorState* RootAndDemoCell()
    {
        for (int i = 0; i < GicDistributorState.OwnedWords; i++)
            state->Owned[i] = 0;
        uint* all = stackalloc uint[4] { ~0u, ~0u, ~0u, ~0u };
        GicDistributor.Own(ref *state, 32, all);
        byte[] compiled = HypervisorTestMemory.Compile(HypervisorTestMemory.LoadYaml("configs/qemu-arm64/qemu-arm64-inmate-demo.yaml"));
        demoConfig = (byte*)NativeMemory.AllocZeroed((nuint)compiled.Length);
        compiled.CopyTo(new Span<byte>(demoConfig, compiled.Length));
        cellState = (GicDistributorState*)NativeMemory.AllocZeroed((nuint)sizeof(GicDistributorState));
        GicDistributor.InitCell(ref *cellState, *state, new CellDesc(demoConfig), 0x0800_0000);
        return cellState;
    }

    private byte* demoConfig;
    private GicDistributorState* cellState;

    private static int WriteAs(GicDistributorState* view, ulong offset, uint size, ulong value, uint cpu)
    {
        var access = new MmioAccess(offset, size, true, value) { Cpu = cpu };
        return GicDistributor.Access(view, &access);
    }

    private static ulong ReadAs(GicDistributorState* view, ulong offset, uint size, uint cpu)
    {
        var access = new MmioAccess(offset, size, false, 0) { Cpu = cpu };
        Assert.Equal(MmioResult.Handled, GicDistributor.Access(view, &access));
        return access.Value;
    }

    [Fact]
    public void A_cells_view_has_its_own_cpus_and_pins_and_no_say_over_the_distributor()
    {
        GicDistributorState* cell = RootAndDemoCell();
        try
        {
            Assert.Equal(0b10ul, cell->CpuSet);
            Assert.False(cell->HasAllCpus);
            Assert.False(cell->ControlsDistributor);
            Assert.True(GicDistributor.Owns(*cell, 144));
            Assert.False(GicDistributor.Owns(*cell, 143));
            Assert.False(GicDistributor.Owns(*cell, 32));
            Assert.True(GicDistributor.Owns(*cell, 27));                   // its CPUs' PPIs (virtual timer)
            *(uint*)registers = 0x13;                                      // GICD_CTLR as Linux set it
            Assert.Equal(MmioResult.Handled, WriteAs(cell, 0x0, 4, 0, cpu: 1));
            Assert.Equal(0x13u, Reg32(0x0));                               // the root cell's to change
            Assert.Equal(0x13ul, ReadAs(cell, 0x0, 4, cpu: 1));            // but readable
            WriteAs(cell, 0x110, 4, 0xffff_ffff, cpu: 1);                  // ISENABLER4: 128-159
            Assert.Equal(1u << 16, Reg32(0x110));                          // only 144
            WriteAs(cell, 0x6000 + 8 * 144, 8, 0x1, cpu: 1);               // IROUTER144: CPU 1, the cell's
            Assert.Equal(0x1ul, ReadAs(cell, 0x6000 + 8 * 144, 8, cpu: 1));
            WriteAs(cell, 0x6000 + 8 * 144, 8, 0x0, cpu: 1);               // CPU 0: the root cell's
            WriteAs(cell, 0x6000 + 8 * 144, 8, 1ul << 31, cpu: 1);         // any CPU
            Assert.Equal(0x1ul, ReadAs(cell, 0x6000 + 8 * 144, 8, cpu: 1));
            WriteAs(cell, 0x6000 + 8 * 143, 8, 0x1, cpu: 1);               // the root cell's SPI
            Assert.Equal(0ul, *(ulong*)(registers + 0x6000 + 8 * 143));
            Assert.Equal(0ul, ReadAs(cell, 0x6000 + 8 * 40, 8, cpu: 1));   // foreign routes read as zero
        }
        finally
        {
            NativeMemory.Free(demoConfig);
            NativeMemory.Free(cellState);
        }
    }

    [Fact]
    public void Spis_and_cpus_leave_the_root_cells_view_at_create_and_come_back_at_destroy()
    {
        GicDistributorState* cell = RootAndDemoCell();
        try
        {
            *(ulong*)(registers + 0x6000 + 8 * 144) = 0x100;                // Linux routed it to CPU 2
            GicDistributor.MoveToCell(ref *state, *cell, systemCpus: 0xf);
            Assert.False(GicDistributor.Owns(*state, 144));
            Assert.True(GicDistributor.Owns(*state, 145));
            Assert.Equal(0b1101ul, state->CpuSet);
            Assert.False(state->HasAllCpus);
            Assert.Equal(1u << 16, Reg32(0x190));                          // ICENABLER4: disabled
            Assert.Equal(0x1ul, *(ulong*)(registers + 0x6000 + 8 * 144));   // routed to the cell's CPU 1
            // The root cell's writes to it, and routes to the cell's CPU, are ignored now.
            WriteAs(state, 0x110, 4, 0xffff_ffff, cpu: 0);
            Assert.Equal(~(1u << 16), Reg32(0x110));
            WriteAs(state, 0x6000 + 8 * 144, 8, 0x0, cpu: 0);
            Assert.Equal(0x1ul, *(ulong*)(registers + 0x6000 + 8 * 144));
            WriteAs(state, 0x6000 + 8 * 150, 8, 0x1, cpu: 0);               // its SPI to the cell's CPU
            WriteAs(state, 0x6000 + 8 * 150, 8, 1ul << 31, cpu: 0);         // or to any CPU
            Assert.Equal(0ul, *(ulong*)(registers + 0x6000 + 8 * 150));
            WriteAs(state, 0x6000 + 8 * 150, 8, 0x100, cpu: 0);             // CPU 2 is still the root cell's
            Assert.Equal(0x100ul, *(ulong*)(registers + 0x6000 + 8 * 150));

            *(uint*)(registers + 0x190) = 0;
            GicDistributor.MoveToRoot(ref *state, *cell, systemCpus: 0xf);
            Assert.True(GicDistributor.Owns(*state, 144));
            Assert.Equal(0xful, state->CpuSet);
            Assert.True(state->HasAllCpus);
            Assert.Equal(1u << 16, Reg32(0x190));                          // disabled again
            Assert.Equal(0x0ul, *(ulong*)(registers + 0x6000 + 8 * 144));   // routed to CPU 0
            WriteAs(state, 0x6000 + 8 * 144, 8, 1ul << 31, cpu: 0);
            Assert.Equal(1ul << 31, *(ulong*)(registers + 0x6000 + 8 * 144));
        }
        finally
        {
            NativeMemory.Free(demoConfig);
            NativeMemory.Free(cellState);
        }
    }

    [Fact]
    public void Gicv2_a_moved_spi_targets_the_cells_cpu_interface_and_the_cell_only_its_own()
    {
        state->Version = 2;
        for (int cpu = 0; cpu < 4; cpu++)
            state->CpuInterface[cpu] = (byte)(1 << cpu);
        state->InterfacesKnown = 0xf;
        GicDistributorState* cell = RootAndDemoCell();
        try
        {
            registers[0x800 + 144] = 0x4;                                  // Linux: CPU 2
            GicDistributor.MoveToCell(ref *state, *cell, systemCpus: 0xf);
            Assert.Equal(0x2, registers[0x800 + 144]);                     // CPU 1's interface
            WriteAs(cell, 0x800 + 144, 1, 0x1, cpu: 1);                    // to CPU 0: not the cell's
            Assert.Equal(0x0, registers[0x800 + 144]);                     // filtered to none of its own
            WriteAs(cell, 0x800 + 144, 1, 0x3, cpu: 1);
            Assert.Equal(0x2, registers[0x800 + 144]);
            WriteAs(state, 0x800 + 144, 1, 0x1, cpu: 0);                   // the root cell: not its SPI
            Assert.Equal(0x2, registers[0x800 + 144]);
        }
        finally
        {
            NativeMemory.Free(demoConfig);
            NativeMemory.Free(cellState);
        }
    }
}
