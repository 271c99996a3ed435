using Jailhouse.Config.Model;
using Jailhouse.Hypervisor;
using ModelMemoryRegion = Jailhouse.Config.Model.MemoryRegion;
using HvMemoryRegion = Jailhouse.Hypervisor.MemoryRegion;

namespace Jailhouse.Tests.Hypervisor;

/// <summary>
/// The root cell's stage-2 tables, built by the hypervisor's own code (PageTable, CellPaging,
/// Arm64Stage2) and read back by an independent walker written from the ARMv8 translation
/// rules (4 KiB granule, walk from level 1 for a 39-bit IPA).
/// </summary>
public sealed unsafe class Stage2PagingTests
{
    private readonly record struct Translation(ulong Phys, ulong Descriptor, int Level);

    /// <summary>Walks stage 2 for <paramref name="ipa"/>; null if it faults.</summary>
    private static Translation? Walk(HypervisorTestMemory memory, ulong rootPhys, ulong ipa)
    {
        Assert.True(ipa < 1UL << 39);
        ulong tablePhys = rootPhys;
        for (int level = 1; level <= 3; level++)
        {
            int shift = 12 + 9 * (3 - level);
            ulong descriptor = memory.VirtOfPhys(tablePhys)[(ipa >> shift) & 0x1ff];
            if ((descriptor & 1) == 0)
                return null;
            bool isTable = level < 3 && (descriptor & 2) != 0;
            if (!isTable)
            {
                if (level == 3)
                    Assert.True((descriptor & 2) != 0, "a level-3 descriptor must be a page (bits 1:0 = 11)");
                ulong outputMask = 0x0000_ffff_ffff_f000UL & ~((1UL << shift) - 1);
                return new Translation((descriptor & outputMask) | (ipa & ((1UL << shift) - 1)), descriptor, level);
            }
            tablePhys = descriptor & 0x0000_ffff_ffff_f000UL;
        }
        throw new InvalidOperationException("unreachable");
    }

    private static (HypervisorTestMemory Memory, ulong RootPhys, int Result, ulong UsedPages) Build(byte[] config, int poolPages = 64)
    {
        var memory = new HypervisorTestMemory(config, poolPages);
        var pool = memory.NewPool();
        ulong* root = (ulong*)pool.Allocate();
        var format = Arm64Stage2.Format;
        int result = CellPaging.MapRegions(memory.View, root, ref pool, format, &Arm64Stage2.RegionFlags, 0x7fc3f000);
        return (memory, pool.ToPhys(root), result, pool.UsedPages);
    }

    [Fact]
    public void QemuArm64RootCellMapsRamAndDevicesButNotHypervisorMemory()
    {
        var (memory, root, result, used) = Build(HypervisorTestMemory.CompileYaml("configs/qemu-arm64/qemu-arm64.yaml"));
        using (memory)
        {
            Assert.Equal(0, result);

            var ram = Walk(memory, root, 0x4008_1234);
            Assert.NotNull(ram);
            Assert.Equal(0x4008_1234UL, ram.Value.Phys);
            Assert.Equal(2, ram.Value.Level);                        // 2 MiB block
            Assert.Equal(Arm64Stage2.AccessRead | Arm64Stage2.AccessWrite, ram.Value.Descriptor & (3UL << 6));
            Assert.Equal(0xfUL, (ram.Value.Descriptor >> 2) & 0xf); // normal write-back
            Assert.Equal(0UL, ram.Value.Descriptor & Arm64Stage2.ExecuteNever);
            Assert.Equal(1UL << 10, ram.Value.Descriptor & (1UL << 10)); // access flag

            var uart = Walk(memory, root, 0x0900_0018);
            Assert.NotNull(uart);
            Assert.Equal(0x0900_0018UL, uart.Value.Phys);
            Assert.Equal(1UL, (uart.Value.Descriptor >> 2) & 0xf);   // device nGnRE
            Assert.NotEqual(0UL, uart.Value.Descriptor & Arm64Stage2.ExecuteNever);

            // Read-only ivshmem state table: 4 KiB page, no write permission.
            var state = Walk(memory, root, 0x7faf_0010);
            Assert.NotNull(state);
            Assert.Equal(3, state.Value.Level);
            Assert.Equal(Arm64Stage2.AccessRead, state.Value.Descriptor & (3UL << 6));

            // RAM ends at 0x7fa10000; the hypervisor's 4 MiB at 0x7fc00000 are not there at all.
            Assert.NotNull(Walk(memory, root, 0x7fa0_ffff));
            Assert.Null(Walk(memory, root, 0x7fa1_0000));
            for (ulong hv = 0x7fc0_0000; hv < 0x8000_0000; hv += 0x1000)
                Assert.Null(Walk(memory, root, hv));
            Assert.Null(Walk(memory, root, 0)); // below the device window
            Assert.True(used <= 8, $"blocks keep the tables small, used {used} pages");
        }
    }

    [Fact]
    public void EveryRegionOfTheRootCellTranslatesToItsPhysicalRange()
    {
        var model = HypervisorTestMemory.LoadYaml("configs/qemu-arm64/qemu-arm64.yaml");
        var (memory, root, result, _) = Build(HypervisorTestMemory.Compile(model));
        using (memory)
        {
            Assert.Equal(0, result);
            foreach (ModelMemoryRegion region in model.Cell.MemoryRegions.Where(r => r.Size > 0 && r.VirtStart < 1UL << 39))
            {
                foreach (ulong offset in new[] { 0UL, region.Size / 2 & ~0xfffUL, region.Size - 1 })
                {
                    var translation = Walk(memory, root, region.VirtStart + offset);
                    Assert.True(translation.HasValue, $"{region.Name} +0x{offset:x} is not mapped");
                    Assert.Equal(region.PhysStart + offset, translation.Value.Phys);
                    bool writable = (translation.Value.Descriptor & Arm64Stage2.AccessWrite) != 0;
                    Assert.Equal(region.Flags.HasFlag(MemoryFlags.Write), writable);
                }
            }
        }
    }

    [Fact]
    public void HypervisorMemoryIsShadowedReadOnlyByAnEmptyPageExceptTheConsole()
    {
        using var memory = new HypervisorTestMemory(HypervisorTestMemory.CompileYaml("configs/qemu-arm64/qemu-arm64.yaml"), 16);
        var pool = memory.NewPool();
        ulong* root = (ulong*)pool.Allocate();
        var format = Arm64Stage2.Format;
        const ulong empty = 0x7fc3e000, console = 0x7fc06000;
        Assert.Equal(0, CellPaging.MapHypervisorShadow(memory.View, root, ref pool, format, Arm64Stage2.RegionFlags(HvMemoryRegion.Read), empty, console));
        ulong rootPhys = pool.ToPhys(root);
        for (ulong page = 0x7fc0_0000; page < 0x8000_0000; page += 0x1000)
        {
            var translation = Walk(memory, rootPhys, page + 8);
            Assert.NotNull(translation);
            Assert.Equal((page == console ? console : empty) + 8, translation.Value.Phys);
            Assert.Equal(Arm64Stage2.AccessRead, translation.Value.Descriptor & (3UL << 6));
            Assert.NotEqual(0UL, translation.Value.Descriptor & Arm64Stage2.ExecuteNever);
        }
        Assert.Null(Walk(memory, rootPhys, 0x7fbf_f000));
        Assert.Null(Walk(memory, rootPhys, 0x8000_0000));
    }

    [Fact]
    public void NeitherTheGicv3DistributorNorItsRedistributorsAreMapped()
    {
        using var memory = new HypervisorTestMemory(HypervisorTestMemory.CompileYaml("configs/qemu-arm64/qemu-arm64.yaml"), 16);
        var pool = memory.NewPool();
        ulong* root = (ulong*)pool.Allocate();
        var format = Arm64Stage2.Format;
        Assert.Equal(0, GicPassthrough.Map(memory.View, root, ref pool, format));
        ulong rootPhys = pool.ToPhys(root);
        Assert.Null(Walk(memory, rootPhys, 0x0800_0000));                  // the distributor traps (GicDistributor)
        Assert.Null(Walk(memory, rootPhys, 0x0800_fffc));
        Assert.Null(Walk(memory, rootPhys, 0x080a_0000));                  // so do the redistributors (Redistributor)
        Assert.Null(Walk(memory, rootPhys, 0x080a_0000 + 16 * 0x20000 - 4));
    }

    [Fact]
    public void TheGicv2CpuInterfaceOfTheCellIsTheVirtualOneWhenVirtualized()
    {
        using var memory = new HypervisorTestMemory(HypervisorTestMemory.CompileYaml("configs/qemu-arm64/qemu-arm64-gicv2.yaml"), 16);
        var pool = memory.NewPool();
        ulong* root = (ulong*)pool.Allocate();
        Assert.Equal(0, GicPassthrough.Map(memory.View, root, ref pool, Arm64Stage2.Format));
        ulong rootPhys = pool.ToPhys(root);
        // GICC -> GICV: the configuration names GICH and GICV, so GICv2 interrupts are virtualized.
        ulong backing = 0x0804_0000UL;
        Assert.True(GicPassthrough.Gicv2Virtual(memory.View));
        Assert.Equal(backing, Walk(memory, rootPhys, 0x0801_0000)!.Value.Phys);
        Assert.Equal(backing + 0x1000, Walk(memory, rootPhys, 0x0801_1000)!.Value.Phys);   // its DIR page too
        Assert.Null(Walk(memory, rootPhys, 0x0800_0000));                                 // GICD traps
        Assert.Null(Walk(memory, rootPhys, 0x0803_0000));                                 // GICH is the hypervisor's
    }

    /// <summary>PageTable.Map bounded only the guest address: a physical address with bit 48 or
    /// above set would have become descriptor attribute bits.</summary>
    [Fact]
    public void APhysicalAddressBeyond48BitsIsRefusedNotFoldedIntoAttributes()
    {
        using var memory = new HypervisorTestMemory(HypervisorTestMemory.CompileYaml("configs/qemu-arm64/qemu-arm64.yaml"), 16);
        var pool = memory.NewPool();
        ulong* root = (ulong*)pool.Allocate();
        var format = Arm64Stage2.Format;
        ulong flags = Arm64Stage2.RegionFlags(Jailhouse.Hypervisor.MemoryRegion.Read);
        Assert.Equal(Errno.EINVAL, PageTable.Map(root, ref pool, format, 0x1000_0000, 1UL << 48, 0x1000, flags));
        Assert.Equal(Errno.EINVAL, PageTable.Map(root, ref pool, format, 0x1000_0000, 0xffff_ffff_f000, 0x2000, flags)); // ends past 2^48
        Assert.Null(Walk(memory, pool.ToPhys(root), 0x1000_0000));
        Assert.Equal(0, PageTable.Map(root, ref pool, format, 0x1000_0000, 0xffff_ffff_f000, 0x1000, flags));
        Assert.Equal(0xffff_ffff_f000UL, Walk(memory, pool.ToPhys(root), 0x1000_0000)!.Value.Phys);
    }

    [Fact]
    public void ARegionOverlappingHypervisorMemoryIsRefused()
    {
        var model = HypervisorTestMemory.LoadYaml("configs/qemu-arm64/qemu-arm64.yaml");
        model.Cell.MemoryRegions.Add(new ModelMemoryRegion { PhysStart = 0x7fdf_f000, VirtStart = 0x1_0000_0000, Size = 0x2000, Flags = MemoryFlags.Read });
        var (memory, _, result, _) = Build(HypervisorTestMemory.Compile(model));
        using (memory)
            Assert.Equal(Errno.EINVAL, result);
    }

    [Fact]
    public void OverlappingRegionsAndAnExhaustedPoolAreErrorsNotCorruption()
    {
        var model = HypervisorTestMemory.LoadYaml("configs/qemu-arm64/qemu-arm64.yaml");
        model.Cell.MemoryRegions.Add(new ModelMemoryRegion { PhysStart = 0x4000_0000, VirtStart = 0x4000_0000, Size = 0x1000, Flags = MemoryFlags.Read });
        var (memory, _, result, _) = Build(HypervisorTestMemory.Compile(model));
        using (memory)
            Assert.Equal(Errno.EINVAL, result);

        var (small, _, exhausted, _) = Build(HypervisorTestMemory.CompileYaml("configs/qemu-arm64/qemu-arm64.yaml"), poolPages: 3);
        using (small)
            Assert.Equal(Errno.ENOMEM, exhausted);
    }

    [Fact]
    public void UnalignedAndOutOfRangeMappingsAreRefused()
    {
        using var memory = new HypervisorTestMemory([], 4);
        var pool = memory.NewPool();
        ulong* root = (ulong*)pool.Allocate();
        var format = Arm64Stage2.Format;
        Assert.Equal(Errno.EINVAL, PageTable.Map(root, ref pool, format, 0x1000, 0x2800, 0x1000, 0));
        Assert.Equal(Errno.EINVAL, PageTable.Map(root, ref pool, format, 0x1000, 0x2000, 0x800, 0));
        // Beyond the 39-bit guest-physical space (would wrap onto low addresses) and across its end.
        Assert.Equal(Errno.EINVAL, PageTable.Map(root, ref pool, format, 1UL << 39, 0x2000, 0x1000, 0));
        Assert.Equal(Errno.EINVAL, PageTable.Map(root, ref pool, format, (1UL << 39) - 0x1000, 0x2000, 0x2000, 0));
        Assert.Equal(Errno.EINVAL, PageTable.Map(root, ref pool, format, 0x1000, 0x2000, ulong.MaxValue & ~0xfffUL, 0));
        Assert.Equal(1UL, pool.UsedPages);
    }

    [Fact]
    public void RegionFlagsBecomeStage2PermissionsAndMemoryTypes()
    {
        ulong io = Arm64Stage2.RegionFlags(HvMemoryRegion.Read | HvMemoryRegion.Write | HvMemoryRegion.Io);
        Assert.Equal(0x1UL, (io >> 2) & 0xf);
        Assert.NotEqual(0UL, io & Arm64Stage2.ExecuteNever);
        ulong code = Arm64Stage2.RegionFlags(HvMemoryRegion.Read | HvMemoryRegion.Execute);
        Assert.Equal(0xfUL, (code >> 2) & 0xf);
        Assert.Equal(0UL, code & Arm64Stage2.ExecuteNever);
        Assert.Equal(Arm64Stage2.AccessRead, code & (3UL << 6));
    }

    [Fact]
    public void VtcrDescribesA39BitLevel1WalkCappedAt48BitOutput()
    {
        ulong vtcr = Arm64Stage2.Vtcr(0x1124); // PARange 0b0100 (44 bits), as a Cortex-A57
        Assert.Equal(25UL, vtcr & 0x3f);        // T0SZ
        Assert.Equal(1UL, (vtcr >> 6) & 3);     // SL0: start at level 1
        Assert.Equal(0UL, (vtcr >> 14) & 3);    // TG0: 4 KiB
        Assert.Equal(4UL, (vtcr >> 16) & 7);    // PS
        Assert.Equal(1UL << 31, vtcr & (1UL << 31));
        Assert.Equal(5UL, (Arm64Stage2.Vtcr(0xf) >> 16) & 7);
        Assert.Equal(0x7fc4_d000UL | (3UL << 48), Arm64Stage2.Vttbr(0x7fc4_d000, 3));
    }
}
