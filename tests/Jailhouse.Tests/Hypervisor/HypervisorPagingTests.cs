using System.Runtime.InteropServices;
using Jailhouse.Hypervisor;

namespace Jailhouse.Tests.Hypervisor;

/// <summary>
/// The hypervisor's own EL2 tables (HypervisorPaging.Build) over a pool that stands for
/// hypervisor memory itself, read back by an independent stage-1 walker (4 KiB granule, level 0).
/// </summary>
public sealed unsafe class HypervisorPagingTests : IDisposable
{
    private const ulong MemorySize = 64 * 4096;
    private const ulong PhysBase = 0x7fc00000;
    private readonly byte* memory = (byte*)NativeMemory.AlignedAlloc((nuint)MemorySize, 4096);

    private ulong VirtToPhys(ulong virt) => virt - (ulong)memory + PhysBase;

    private ulong? Walk(ulong rootPhys, ulong virt, out ulong descriptor)
    {
        descriptor = 0;
        ulong table = rootPhys;
        for (int level = 0; level <= 3; level++)
        {
            int shift = 12 + 9 * (3 - level);
            ulong entry = ((ulong*)(table - PhysBase + (ulong)memory))[(virt >> shift) & 0x1ff];
            if ((entry & 1) == 0)
                return null;
            if (level == 3)
            {
                Assert.Equal(3UL, entry & 3);
                descriptor = entry;
                return (entry & 0x0000_ffff_ffff_f000UL) | (virt & 0xfff);
            }
            Assert.True((entry & 2) != 0, "only tables above level 3 (no blocks)");
            table = entry & 0x0000_ffff_ffff_f000UL;
        }
        return null;
    }

    [Fact]
    public void CodeIsReadOnlyExecutableDataNeverExecutableAndOnlyTheTrampolineIsIdentityMapped()
    {
        ulong baseVirt = (ulong)memory;
        // Image: 3 pages of code, 1 of read-only data; the pool starts at page 16.
        var pool = new PagePool(memory + 16 * 4096, memory + MemorySize, PhysBase - baseVirt);
        var layout = new HypervisorLayout
        {
            Base = baseVirt,
            RodataStart = baseVirt + 3 * 4096,
            DataStart = baseVirt + 4 * 4096,
            MemorySize = MemorySize,
            UartVirt = 0xffffc0000000 + 0x18,
            UartPhys = 0x09000018,
            TrampolineVirt = baseVirt + 2 * 4096 + 0x7c0,
        };
        ulong* root = (ulong*)pool.Allocate();
        Assert.Equal(0, HypervisorPaging.Build(root, ref pool, layout));
        ulong rootPhys = pool.ToPhys(root);

        void Expect(ulong virt, ulong phys, ulong flags)
        {
            Assert.Equal(phys, Walk(rootPhys, virt, out ulong descriptor));
            Assert.Equal(flags, descriptor & (HypervisorPaging.ReadOnly | HypervisorPaging.ExecuteNever | (7UL << 2)));
        }
        const ulong normal = 0, device = 1UL << 2;
        Expect(baseVirt + 0x800, PhysBase + 0x800, HypervisorPaging.ReadOnly | normal);
        Expect(baseVirt + 3 * 4096 + 8, PhysBase + 3 * 4096 + 8, HypervisorPaging.ReadOnly | HypervisorPaging.ExecuteNever | normal);
        Expect(baseVirt + 4 * 4096, PhysBase + 4 * 4096, HypervisorPaging.ExecuteNever | normal);
        Expect(baseVirt + MemorySize - 8, PhysBase + MemorySize - 8, HypervisorPaging.ExecuteNever | normal);
        Expect(0xffffc0000000 + 0x18, 0x09000018, HypervisorPaging.ExecuteNever | device);
        ulong trampolinePhys = PhysBase + 2 * 4096;
        Expect(trampolinePhys + 0x7c0, trampolinePhys + 0x7c0, HypervisorPaging.ReadOnly | normal);

        Assert.Null(Walk(rootPhys, baseVirt + MemorySize, out _));
        Assert.Null(Walk(rootPhys, trampolinePhys - 4096, out _));
        Assert.Null(Walk(rootPhys, trampolinePhys + 4096, out _));
        Assert.Null(Walk(rootPhys, 0x40000000, out _));       // no more identity GiB of root-cell RAM
        Assert.Null(Walk(rootPhys, 0xffffc0000000 + 0x1000, out _));
    }

    public void Dispose() => NativeMemory.AlignedFree(memory);
}
