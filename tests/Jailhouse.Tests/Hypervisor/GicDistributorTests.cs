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

    public GicDistributorTests()
    {
        state->Registers = registers;
        state->Version = 3;
        state->CpuSet = 0xf;
        state->HasAllCpus = true;
        // The cell owns SPIs 32-47 and 64 (pin base 32: bits 0-15 and 32).
        uint* bitmap = stackalloc uint[4] { 0x0000_ffff, 1, 0, 0 };
        GicDistributor.Own(ref *state, 32, bitmap);
    }

    public void Dispose()
    {
        NativeMemory.Free(registers);
        NativeMemory.Free(state);
    }

    private int Write(ulong offset, uint size, ulong value)
    {
        var access = new MmioAccess(offset, size, true, value);
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
        Write(0x6000 + 8 * 40, 8, 3);                                      // IROUTER40 to CPU 3
        Write(0x6000 + 8 * 50, 8, 3);                                      // IROUTER50: foreign
        Write(0x6000 + 8 * 64, 4, 2);                                      // lower half of IROUTER64: CPU 2
        Assert.Equal(3ul, Read(0x6000 + 8 * 40, 8));
        Assert.Equal(0ul, Read(0x6000 + 8 * 50, 8));
        Assert.Equal(2ul, Read(0x6000 + 8 * 64, 8));
    }

    [Fact]
    public void Gicv3RoutingNamesOnlyTheCellsCpus()
    {
        state->CpuSet = 0x3;                                               // CPUs 0 and 1
        state->HasAllCpus = false;
        Write(0x6000 + 8 * 40, 8, 1);                                      // CPU 1
        Assert.Equal(1ul, Read(0x6000 + 8 * 40, 8));
        Write(0x6000 + 8 * 40, 8, 2);                                      // CPU 2: not the cell's
        Write(0x6000 + 8 * 40, 8, 1ul << 31);                              // any CPU: the cell lacks some
        Write(0x6000 + 8 * 40, 8, 0x100);                                  // Aff1 = 1: another cluster
        Write(0x6000 + 8 * 40 + 4, 4, 1);                                  // Aff3 = 1
        Assert.Equal(1ul, Read(0x6000 + 8 * 40, 8));
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
        state->CpuTargets = 0x3;                                           // CPUs 0 and 1
        state->HasAllCpus = false;
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
        Write(0xf00, 4, (1u << 24) | 5);                                   // all but self: the cell lacks CPUs
        Assert.Equal(0u, Reg32(0xf00));
        Write(0xf00, 4, (2u << 24) | 7);                                   // self
        Assert.Equal((2u << 24) | 7, Reg32(0xf00));
    }

    [Fact]
    public void ReadsPassThroughAndUnalignedAccessesAreRefused()
    {
        *(uint*)(registers + 0x104) = 0xdead_beef;
        Assert.Equal(0xdead_beeful, Read(0x104, 4));
        Assert.Equal(0xbeul, Read(0x105, 1));
        Assert.Equal(MmioResult.Unhandled, Write(0x102, 4, 1));
        var access = new MmioAccess(0x101, 2, false, 0);
        Assert.Equal(MmioResult.Unhandled, GicDistributor.Access(state, &access));
    }
}
