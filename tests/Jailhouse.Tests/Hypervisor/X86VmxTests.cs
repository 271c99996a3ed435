using Jailhouse.Config.Model;
using Jailhouse.Hypervisor;
using ModelMemoryRegion = Jailhouse.Config.Model.MemoryRegion;

namespace Jailhouse.Tests.Hypervisor;

/// <summary>
/// The x86 pieces that can be checked without VT-x (TCG has none): the root cell's EPT through
/// an independent walker (Intel SDM 28.2), and GDT descriptors decoded for the VMCS.
/// </summary>
public sealed unsafe class X86VmxTests
{
    private static (ulong Phys, ulong Entry, int Level)? Walk(HypervisorTestMemory memory, ulong pml4Phys, ulong gpa)
    {
        ulong tablePhys = pml4Phys;
        for (int level = 0; level <= 3; level++)
        {
            int shift = 12 + 9 * (3 - level);
            ulong entry = memory.VirtOfPhys(tablePhys)[(gpa >> shift) & 0x1ff];
            if ((entry & 7) == 0)
                return null;
            bool leaf = level == 3 || (entry & (1UL << 7)) != 0;
            if (leaf)
            {
                Assert.True(level >= 1, "no large page at the PML4 level");
                ulong mask = 0x000f_ffff_ffff_f000UL & ~((1UL << shift) - 1);
                return ((entry & mask) | (gpa & ((1UL << shift) - 1)), entry, level);
            }
            tablePhys = entry & 0x000f_ffff_ffff_f000UL;
        }
        return null;
    }

    [Fact]
    public void RootCellEptOfQemuX86MapsEveryRegionAndNotTheHypervisor()
    {
        var model = HypervisorTestMemory.LoadYaml("configs/qemu-x86/qemu-x86.yaml");
        using var memory = new HypervisorTestMemory(HypervisorTestMemory.Compile(model), 256);
        var pool = memory.NewPool();
        ulong* pml4 = (ulong*)pool.Allocate();
        var format = X86Ept.Format;
        Assert.Equal(0, CellPaging.MapRegions(memory.View, pml4, ref pool, format, &X86Ept.RegionFlags, 0x3a0ff000));
        ulong pml4Phys = pool.ToPhys(pml4);

        foreach (ModelMemoryRegion region in model.Cell.MemoryRegions.Where(r => r.Size > 0 && !r.Flags.HasFlag(MemoryFlags.CommRegion)))
        {
            foreach (ulong offset in new[] { 0UL, region.Size - 1 })
            {
                var translation = Walk(memory, pml4Phys, region.VirtStart + offset);
                Assert.True(translation.HasValue, $"{region.Name} +0x{offset:x}");
                Assert.Equal(region.PhysStart + offset, translation.Value.Phys);
                Assert.Equal(region.Flags.HasFlag(MemoryFlags.Write), (translation.Value.Entry & X86Ept.Write) != 0);
                ulong memoryType = (translation.Value.Entry >> 3) & 7;
                Assert.Equal(region.Flags.HasFlag(MemoryFlags.Io) ? X86Ept.MemoryTypeUncacheable : X86Ept.MemoryTypeWriteBack, memoryType);
            }
        }
        ulong hvStart = model.System!.HypervisorMemory.PhysStart;
        for (ulong hv = hvStart; hv < hvStart + model.System.HypervisorMemory.Size; hv += 0x1000)
            Assert.False(Walk(memory, pml4Phys, hv).HasValue && Walk(memory, pml4Phys, hv)!.Value.Phys == hv, $"hypervisor page 0x{hv:x} reachable");
        Assert.Equal(pml4Phys | 0x1e, X86Ept.Pointer(pml4Phys));
    }

    [Fact]
    public void GdtDescriptorsDecodeToVmcsSegments()
    {
        ulong* gdt = stackalloc ulong[8];
        gdt[0] = 0;
        gdt[1] = 0x00af9b000000ffff;           // 64-bit kernel code: L=1, G=1, P, DPL 0, type 0xb
        gdt[2] = 0x00cf93000000ffff;           // flat data, 4 GiB
        gdt[4] = 0xff008b1234560067;           // 64-bit TSS, busy, base 0x...ff123456 + upper half
        gdt[5] = 0x00000000fffffe00;           // base bits 63:32
        var code = X86Segment.FromGdt((byte*)gdt, 0x10 - 8);
        Assert.Equal(0xa09bu, code.AccessRights);      // G and L in bits 15 and 13
        Assert.Equal(0xffffffffu, code.Limit);
        Assert.Equal(0UL, code.Base);
        var data = X86Segment.FromGdt((byte*)gdt, 0x10 | 3);
        Assert.Equal(0xc093u, data.AccessRights);
        Assert.Equal((ushort)0x13, data.Selector);
        var tss = X86Segment.FromGdt((byte*)gdt, 0x20);
        Assert.Equal(0xfffffe00ff123456UL, tss.Base);
        Assert.Equal(0x67u, tss.Limit);
        Assert.Equal(0x8bu, tss.AccessRights);
        Assert.Equal(X86Segment.Unusable, X86Segment.FromGdt((byte*)gdt, 0).AccessRights);
    }
}
