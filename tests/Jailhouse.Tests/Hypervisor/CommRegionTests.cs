using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Jailhouse.Config.Model;
using Jailhouse.Hypervisor;

namespace Jailhouse.Tests.Hypervisor;

/// <summary>
/// The communication region the hypervisor fills for a cell, read back byte by byte at the
/// offsets of upstream's packed struct jailhouse_comm_region (ABI revision 2).
/// </summary>
public sealed unsafe class CommRegionTests
{
    private const int PageSize = 4096;

    /// <summary>Fills a page that starts dirty (0xa5 everywhere) and returns its bytes.</summary>
    private static byte[] Fill(JailhouseConfig model, bool arm)
    {
        byte[] config = HypervisorTestMemory.Compile(model);
        using var memory = new HypervisorTestMemory(config, 1);
        byte* page = (byte*)NativeMemory.AlignedAlloc(PageSize, PageSize);
        try
        {
            new Span<byte>(page, PageSize).Fill(0xa5);
            if (arm)
                CommRegion.FillArm(page, PageSize, memory.View);
            else
                CommRegion.FillX86(page, PageSize, memory.View);
            return new Span<byte>(page, PageSize).ToArray();
        }
        finally
        {
            NativeMemory.AlignedFree(page);
        }
    }

    private static void AssertGenericHeader(byte[] page, uint expectedFlags, ulong mmconfigBase)
    {
        Assert.Equal("JHCOMM"u8.ToArray(), page[0..6]);
        Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(page.AsSpan(6)));    // revision
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(8)));   // cell_state: running
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(12)));  // msg_to_cell: none
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(16)));  // reply_from_cell: none
        Assert.Equal(expectedFlags, BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(20)));
        Assert.Equal(mmconfigBase, BinaryPrimitives.ReadUInt64LittleEndian(page.AsSpan(56)));
    }

    [Fact]
    public void Arm64RegionCarriesHeaderConsoleAndGicAtUpstreamOffsets()
    {
        var model = HypervisorTestMemory.LoadYaml("configs/qemu-arm64/qemu-arm64.yaml");
        // The root cell of the shipped configuration has no console: give it one so that every
        // console field has a distinct, non-zero value to find at its offset.
        model.Cell.Console = new ConsoleConfig
        {
            Address = 0x09000000, Size = 0x1000, Type = ConsoleType.Pl011,
            Flags = ConsoleFlags.Mmio | ConsoleFlags.RegDist4, Divider = 0x1b, GateNr = 0x77, ClockReg = 0x0123456789abcdef,
        };
        model.Cell.Flags |= CellFlags.VirtualConsoleActive;

        byte[] page = Fill(model, arm: true);

        AssertGenericHeader(page, expectedFlags: 0x2, mmconfigBase: 0x08e00000);
        // struct jailhouse_console at 24: address, size, type, flags, divider, gate_nr, clock_reg.
        Assert.Equal(0x09000000ul, BinaryPrimitives.ReadUInt64LittleEndian(page.AsSpan(24)));
        Assert.Equal(0x1000u, BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(32)));
        Assert.Equal(3, BinaryPrimitives.ReadUInt16LittleEndian(page.AsSpan(36)));
        Assert.Equal(3, BinaryPrimitives.ReadUInt16LittleEndian(page.AsSpan(38)));
        Assert.Equal(0x1bu, BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(40)));
        Assert.Equal(0x77u, BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(44)));
        Assert.Equal(0x0123456789abcdeful, BinaryPrimitives.ReadUInt64LittleEndian(page.AsSpan(48)));
        // ARM part: gic_version, 7 bytes padding, gicd/gicc/gicr base, vpci_irq_base.
        Assert.Equal(3, page[64]);
        Assert.All(page[65..72], b => Assert.Equal(0, b));
        Assert.Equal(0x08000000ul, BinaryPrimitives.ReadUInt64LittleEndian(page.AsSpan(72)));
        Assert.Equal(0ul, BinaryPrimitives.ReadUInt64LittleEndian(page.AsSpan(80)));
        Assert.Equal(0x080a0000ul, BinaryPrimitives.ReadUInt64LittleEndian(page.AsSpan(88)));
        Assert.Equal(96u, BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(96)));
        // The rest of the (dirty) page is zeroed.
        Assert.All(page[100..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void Arm64FlagsFollowTheCellsVirtualConsoleFlags()
    {
        var model = HypervisorTestMemory.LoadYaml("configs/qemu-arm64/qemu-arm64.yaml");
        model.Cell.Flags &= ~(CellFlags.VirtualConsoleActive | CellFlags.VirtualConsolePermitted);
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(Fill(model, arm: true).AsSpan(20)));
        model.Cell.Flags |= CellFlags.VirtualConsolePermitted;
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(Fill(model, arm: true).AsSpan(20)));
        model.Cell.Flags |= CellFlags.VirtualConsoleActive;
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(Fill(model, arm: true).AsSpan(20)));
    }

    [Fact]
    public void X86RegionCarriesPmTimerCpuCountAndTimerFrequencies()
    {
        var model = HypervisorTestMemory.LoadYaml("configs/qemu-x86/qemu-x86.yaml");
        model.System!.Platform.X86!.TscKhz = 2_400_000;
        model.System.Platform.X86.ApicKhz = 1_000_000;

        byte[] page = Fill(model, arm: false);

        AssertGenericHeader(page, expectedFlags: 0, mmconfigBase: 0xb0000000);
        Assert.Equal(0x608, BinaryPrimitives.ReadUInt16LittleEndian(page.AsSpan(64)));   // pm_timer_address
        Assert.Equal(4, BinaryPrimitives.ReadUInt16LittleEndian(page.AsSpan(66)));       // num_cpus (0-3)
        Assert.Equal(2_400_000u, BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(68)));
        Assert.Equal(1_000_000u, BinaryPrimitives.ReadUInt32LittleEndian(page.AsSpan(72)));
        Assert.All(page[76..], b => Assert.Equal(0, b));
    }
}
