using System.Runtime.InteropServices;
using Jailhouse.Hypervisor;

namespace Jailhouse.Tests.Hypervisor;

/// <summary>
/// GICv3 redistributor interception (Redistributor.Access) on a buffer standing in for two
/// redistributors (CPU 0's and CPU 1's frames): the LPI registers are dead, SGI/PPI registers
/// change only for a CPU of the writer's cell, reserved PPIs never.
/// </summary>
public sealed unsafe class RedistributorTests : IDisposable
{
    private const ulong Frame = 0x20000;
    private const ulong Sgi = 0x10000;
    private readonly byte* registers = (byte*)NativeMemory.AllocZeroed((nuint)(2 * Frame));
    private readonly RedistributorState* state = (RedistributorState*)NativeMemory.AllocZeroed((nuint)sizeof(RedistributorState));

    /// <summary>CPUs 0 and 1 are in different cells.</summary>
    private static bool SameCpu(uint writer, uint target) => writer == target;

    public RedistributorTests()
    {
        state->Registers = registers;
        state->Count = 2;
        state->SameCell = &SameCpu;
        Redistributor.Assign(ref *state, 0, 0);
        Redistributor.Assign(ref *state, 1, 1);
        *(ulong*)(registers + 0x8) = 0x0000_0000_0000_0000;               // TYPER: affinity 0.0.0.0
        *(ulong*)(registers + Frame + 0x8) = 0x0000_0001_0000_0110;       // affinity 0.0.0.1, processor 1, Last
    }

    public void Dispose()
    {
        NativeMemory.Free(registers);
        NativeMemory.Free(state);
    }

    private int Access(ulong offset, uint size, bool write, ulong value, uint cpu, out ulong result)
    {
        var access = new MmioAccess(offset, size, write, value) { Cpu = cpu };
        int handled = Redistributor.Access(state, &access);
        result = access.Value;
        return handled;
    }

    private ulong Read(ulong offset, uint size = 4, uint cpu = 0)
    {
        Assert.Equal(MmioResult.Handled, Access(offset, size, false, 0, cpu, out ulong value));
        return value;
    }

    private void Write(ulong offset, uint size, ulong value, uint cpu = 0) =>
        Assert.Equal(MmioResult.Handled, Access(offset, size, true, value, cpu, out _));

    [Theory]
    [InlineData(0x0070ul)]   // PROPBASER
    [InlineData(0x0078ul)]   // PENDBASER
    [InlineData(0x0040ul)]   // SETLPIR
    [InlineData(0x0048ul)]   // CLRLPIR
    [InlineData(0x00a0ul)]   // INVLPIR
    [InlineData(0x00b0ul)]   // INVALLR
    public void LpiRegistersReadAsZeroAndIgnoreWrites(ulong offset)
    {
        *(ulong*)(registers + offset) = 0x1234;
        Write(offset, 8, 0x7fc0_0000 | 0x3f);                              // tables into hypervisor memory
        Write(offset, 4, 0x7fc0_0000);
        Assert.Equal(0x1234ul, *(ulong*)(registers + offset));
        Assert.Equal(0ul, Read(offset, 8));
    }

    [Fact]
    public void LpisCannotBeEnabledAndSyncIsNeverBusy()
    {
        *(uint*)(registers + 0x0) = 0x1;
        Assert.Equal(0ul, Read(0x0));                                      // EnableLPIs reads as 0
        Write(0x0, 4, 0x1);
        *(uint*)(registers + 0x0) = 0;
        Write(0x0, 4, 0x1);
        Assert.Equal(0u, *(uint*)(registers + 0x0));
        *(uint*)(registers + 0xc0) = 1;                                    // SYNCR busy
        Assert.Equal(0ul, Read(0xc0));
    }

    [Fact]
    public void TyperReadsThroughAndTheLastEmulatedFrameEndsTheList()
    {
        *(ulong*)(registers + Frame + 0x8) = 0x0000_0001_0000_0100;        // hardware: more frames follow
        *(ulong*)(registers + 0x8) = 0x0100_0000_0000_000b;                 // PLPIS, VLPIS, DirectLPI
        Assert.Equal(0x0100_0000_0000_0000ul, Read(0x8, 8));               // no LPIs offered
        Assert.Equal(0ul, Read(0x8, 4));
        *(ulong*)(registers + 0x8) = 0;
        Assert.Equal(0x0000_0001_0000_0110ul, Read(Frame + 0x8, 8));
        Assert.Equal(1ul, Read(Frame + 0xc, 4));                           // upper half: affinity
        Write(0x8, 8, ~0ul);
        Assert.Equal(0ul, *(ulong*)(registers + 0x8));
        Assert.Equal(0x1_0000_0011UL, Redistributor.TyperAffinity(0x0100_0011_0000_0000));  // Aff3 1, Aff0 0x11
    }

    [Fact]
    public void WakerAndSgiFrameChangeOnlyForTheWritersCell()
    {
        Write(0x14, 4, 0x2, cpu: 0);                                       // own WAKER
        Write(Frame + 0x14, 4, 0x2, cpu: 0);                               // CPU 1's: another cell
        Assert.Equal(2u, *(uint*)(registers + 0x14));
        Assert.Equal(0u, *(uint*)(registers + Frame + 0x14));
        Write(Sgi + 0x100, 4, 0xffff_ffff, cpu: 0);                        // ISENABLER0
        Write(Frame + Sgi + 0x100, 4, 0xffff_ffff, cpu: 0);
        Assert.Equal(0xffff_ffffu, *(uint*)(registers + Sgi + 0x100));
        Assert.Equal(0u, *(uint*)(registers + Frame + Sgi + 0x100));
        *(uint*)(registers + Frame + Sgi + 0x100) = 0x0800_0000;
        Assert.Equal(0ul, Read(Frame + Sgi + 0x100, 4, cpu: 0));           // another cell's: zero
        Assert.Equal(0x0800_0000ul, Read(Frame + Sgi + 0x100, 4, cpu: 1));
        Write(Sgi + 0xe00, 4, 0xffff_ffff);                                // NSACR
        Assert.Equal(0u, *(uint*)(registers + Sgi + 0xe00));
        Write(Sgi + 0x10c, 4, 0xffff_ffff);                                // past ISENABLER0 and the extended PPIs
        Assert.Equal(0u, *(uint*)(registers + Sgi + 0x10c));
    }

    [Fact]
    public void Another_cells_frame_shows_only_its_identity()
    {
        // A non-root cell walks every frame by TYPER to find its own; the rest of a frame of
        // another cell's CPU reads as zero (GICR_CTLR, WAKER, STATUSR included).
        *(uint*)(registers + Frame + 0x0) = 0x8;                           // CTLR: RWP clear, something set
        *(uint*)(registers + Frame + 0x14) = 0x6;                          // WAKER: asleep
        *(uint*)(registers + Frame + 0x10) = 0x1;                          // STATUSR
        *(uint*)(registers + Frame + 0x4) = 0x43b;                         // IIDR
        Assert.Equal(0x0000_0001_0000_0110ul, Read(Frame + 0x8, 8, cpu: 0));
        Assert.Equal(0x43bul, Read(Frame + 0x4, 4, cpu: 0));
        Assert.Equal(0ul, Read(Frame + 0x0, 4, cpu: 0));
        Assert.Equal(0ul, Read(Frame + 0x14, 4, cpu: 0));
        Assert.Equal(0ul, Read(Frame + 0x10, 4, cpu: 0));
        Assert.Equal(0x8ul, Read(Frame + 0x0, 4, cpu: 1));                 // its own CPU sees them
        Assert.Equal(0x6ul, Read(Frame + 0x14, 4, cpu: 1));
    }

    [Fact]
    public void ReservedPrivateInterruptsKeepTheirState()
    {
        state->ReservedPrivate = 1u << 25;                                 // the maintenance interrupt
        *(uint*)(registers + Sgi + 0x100) = 1u << 25;
        Write(Sgi + 0x180, 4, 0xffff_ffff);                                // ICENABLER0: all but 25
        Assert.Equal(~(1u << 25), *(uint*)(registers + Sgi + 0x180));
        *(uint*)(registers + Sgi + 0x100) = (1u << 25) | (1u << 27);
        Assert.Equal(1ul << 27, Read(Sgi + 0x100));                        // the cell sees only its own
        *(uint*)(registers + Sgi + 0x418) = 0x0000_a000;                   // IPRIORITYR of 24-27: 25 at 0xa0
        Write(Sgi + 0x418, 4, 0xffff_ffff);
        Assert.Equal(0xffff_a0ffu, *(uint*)(registers + Sgi + 0x418));
        Write(Sgi + 0x419, 1, 0x10);                                       // byte of 25
        Assert.Equal(0xffff_a0ffu, *(uint*)(registers + Sgi + 0x418));
        *(uint*)(registers + Sgi + 0xc04) = 0;                             // ICFGR1: PPIs 16-31
        Write(Sgi + 0xc04, 4, 0xffff_ffff);
        Assert.Equal(~(3u << 18), *(uint*)(registers + Sgi + 0xc04));
    }

    [Fact]
    public void MisalignedOrOversizedAccessesAreRefused()
    {
        Assert.Equal(MmioResult.Unhandled, Access(0x2, 4, false, 0, 0, out _));
        Assert.Equal(MmioResult.Unhandled, Access(2 * Frame, 4, false, 0, 0, out _));
    }
}
