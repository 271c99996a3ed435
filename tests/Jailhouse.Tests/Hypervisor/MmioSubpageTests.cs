using System.Runtime.InteropServices;
using Jailhouse.Config.Model;
using Jailhouse.Hypervisor;
using ModelMemoryRegion = Jailhouse.Config.Model.MemoryRegion;

namespace Jailhouse.Tests.Hypervisor;

/// <summary>
/// Sub-page io regions (MmioSubpage): left out of stage 2 by CellPaging, registered as MMIO
/// handlers that perform allowed accesses on the device, here a buffer standing in for the
/// PL011's registers.
/// </summary>
public sealed unsafe class MmioSubpageTests : IDisposable
{
    private const ulong Uart = 0x0900_0000;
    private static byte* device;   // one page of "registers", what MapDevice hands out
    private static ulong mappedPhys;

    public MmioSubpageTests() => device = (byte*)NativeMemory.AllocZeroed(4096);

    public void Dispose() => NativeMemory.Free(device);

    private static byte* MapDevice(ulong phys, ulong size)
    {
        mappedPhys = phys;
        return device + (phys & 0xfff);
    }

    /// <summary>The QEMU root cell with the UART's first 0x48 bytes as a sub-page region.</summary>
    private static byte[] RootCellWithSubpageUart(MemoryFlags subpageFlags)
    {
        var model = HypervisorTestMemory.LoadYaml("configs/qemu-arm64/qemu-arm64.yaml");
        var regions = model.Cell.MemoryRegions;
        ModelMemoryRegion mmio = regions.Single(r => r.Name == "mmio");
        Assert.Equal(Uart, mmio.PhysStart);
        mmio.PhysStart += 0x1000;
        mmio.VirtStart += 0x1000;
        mmio.Size -= 0x1000;
        regions.Insert(regions.IndexOf(mmio), new ModelMemoryRegion { Name = "uart", PhysStart = Uart, VirtStart = Uart, Size = 0x48, Flags = subpageFlags });
        return HypervisorTestMemory.Compile(model);
    }

    private const MemoryFlags UartFlags = MemoryFlags.Read | MemoryFlags.Write | MemoryFlags.Io | MemoryFlags.Io8 | MemoryFlags.Io32;

    [Fact]
    public void ASubpageRegionIsNotMappedAtStage2ButItsNeighboursAre()
    {
        using var memory = new HypervisorTestMemory(RootCellWithSubpageUart(UartFlags), 64);
        var pool = memory.NewPool();
        ulong* root = (ulong*)pool.Allocate();
        Assert.Equal(0, CellPaging.MapRegions(memory.View, root, ref pool, Arm64Stage2.Format, &Arm64Stage2.RegionFlags, 0x7fc3f000));
        Assert.False(Present(memory, pool.ToPhys(root), Uart));
        Assert.True(Present(memory, pool.ToPhys(root), Uart + 0x1000));
        Assert.True(Present(memory, pool.ToPhys(root), 0x4000_0000));
    }

    [Fact]
    public void ASubpageRegionThatIsNotIoIsRefused()
    {
        byte[] config = RootCellWithSubpageUart(MemoryFlags.Read | MemoryFlags.Write | MemoryFlags.Io32);
        using var memory = new HypervisorTestMemory(config, 64);
        var pool = memory.NewPool();
        ulong* root = (ulong*)pool.Allocate();
        Assert.Equal(Errno.EINVAL, CellPaging.MapRegions(memory.View, root, ref pool, Arm64Stage2.Format, &Arm64Stage2.RegionFlags, 0x7fc3f000));
        MmioRegionHandler* handlers = stackalloc MmioRegionHandler[4];
        SubpageDevice* devices = stackalloc SubpageDevice[4];
        var dispatch = new MmioDispatch(handlers, 4);
        Assert.Equal(Errno.EINVAL, MmioSubpage.RegisterAll(memory.View.RootDesc, ref dispatch, devices, 4, &MapDevice));
    }

    [Fact]
    public void AccessesInsideTheRegionWithAllowedWidthsReachTheDeviceOthersAreRefused()
    {
        using var memory = new HypervisorTestMemory(RootCellWithSubpageUart(UartFlags), 64);
        MmioRegionHandler* handlers = stackalloc MmioRegionHandler[4];
        SubpageDevice* devices = stackalloc SubpageDevice[4];
        var dispatch = new MmioDispatch(handlers, 4);
        Assert.Equal(0, MmioSubpage.RegisterAll(memory.View.RootDesc, ref dispatch, devices, 4, &MapDevice));
        Assert.Equal(1u, dispatch.Count);
        Assert.Equal(Uart, mappedPhys);

        var write = new MmioAccess(Uart, 4, true, 0x41);                // DR: 'A'
        Assert.Equal(MmioResult.Handled, dispatch.Dispatch(&write));
        Assert.Equal(0x41u, *(uint*)device);
        *(uint*)(device + 0x18) = 0x90;                                 // FR
        var read = new MmioAccess(Uart + 0x18, 4, false, 0);
        Assert.Equal(MmioResult.Handled, dispatch.Dispatch(&read));
        Assert.Equal(0x90ul, read.Value);
        var readByte = new MmioAccess(Uart + 0x19, 1, false, 0);
        Assert.Equal(MmioResult.Handled, dispatch.Dispatch(&readByte));
        Assert.Equal(0ul, readByte.Value);

        Refused(ref dispatch, new MmioAccess(Uart + 0x18, 2, false, 0));     // no io-16
        Refused(ref dispatch, new MmioAccess(Uart + 0x40, 8, false, 0));     // no io-64
        Refused(ref dispatch, new MmioAccess(Uart + 0x2, 4, true, 0xff));    // unaligned without io-unaligned
        Refused(ref dispatch, new MmioAccess(Uart + 0x48, 4, false, 0));     // past the region, same page
        Refused(ref dispatch, new MmioAccess(Uart + 0x44, 8, false, 0));     // straddles its end
        Assert.Equal(0x41u, *(uint*)device);                                 // the refused write did nothing
    }

    [Fact]
    public void AReadOnlySubpageRegionRefusesWrites()
    {
        using var memory = new HypervisorTestMemory(RootCellWithSubpageUart(MemoryFlags.Read | MemoryFlags.Io | MemoryFlags.Io32), 64);
        MmioRegionHandler* handlers = stackalloc MmioRegionHandler[4];
        SubpageDevice* devices = stackalloc SubpageDevice[4];
        var dispatch = new MmioDispatch(handlers, 4);
        Assert.Equal(0, MmioSubpage.RegisterAll(memory.View.RootDesc, ref dispatch, devices, 4, &MapDevice));
        Refused(ref dispatch, new MmioAccess(Uart, 4, true, 0x41));
        var read = new MmioAccess(Uart, 4, false, 0);
        Assert.Equal(MmioResult.Handled, dispatch.Dispatch(&read));
    }

    private static void Refused(ref MmioDispatch dispatch, MmioAccess access) =>
        Assert.Equal(MmioResult.Unhandled, dispatch.Dispatch(&access));

    private static bool Present(HypervisorTestMemory memory, ulong rootPhys, ulong ipa)
    {
        ulong table = rootPhys;
        for (int level = 1; level <= 3; level++)
        {
            ulong descriptor = memory.VirtOfPhys(table)[(ipa >> (12 + 9 * (3 - level))) & 0x1ff];
            if ((descriptor & 1) == 0)
                return false;
            if (level == 3 || (descriptor & 2) == 0)
                return true;
            table = descriptor & 0x0000_ffff_ffff_f000UL;
        }
        return true;
    }
}
