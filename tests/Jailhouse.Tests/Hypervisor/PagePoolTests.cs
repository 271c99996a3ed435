using Jailhouse.Hypervisor;

namespace Jailhouse.Tests.Hypervisor;

/// <summary>
/// The hypervisor's page pool giving pages back (a destroyed cell's) and PageTable's unmap,
/// which splits a block that reaches beyond the range and gives emptied tables back: the code
/// that runs at EL2, on test memory.
/// </summary>
public sealed unsafe class PagePoolTests
{
    [Fact]
    public void Pages_given_back_are_reused_and_the_untouched_rest_grows_back()
    {
        using var memory = new HypervisorTestMemory([0], 16);
        var pool = memory.NewPool();
        byte* a = (byte*)pool.Allocate(), b = (byte*)pool.Allocate(), c = (byte*)pool.Allocate();
        Assert.Equal(3UL, pool.UsedPages);
        a[8] = 0x55;
        pool.Free(a);
        Assert.Equal(2UL, pool.UsedPages);
        // The page comes back zeroed.
        byte* again = (byte*)pool.Allocate();
        Assert.True(again == a);
        Assert.Equal(0, again[8]);
        // c is the highest page: given back, the rest starts there again, and b's page follows.
        pool.Free(c);
        pool.Free(b);
        pool.Free(again);
        Assert.Equal(0UL, pool.UsedPages);
        Assert.True(pool.AllocateContiguous(16) == a);
        Assert.True(pool.Allocate() == null);
    }

    [Fact]
    public void A_contiguous_run_is_found_among_the_pages_given_back()
    {
        using var memory = new HypervisorTestMemory([0], 16);
        var pool = memory.NewPool();
        byte*[] pages = new byte*[8];
        for (int i = 0; i < 8; i++)
            pages[i] = (byte*)pool.Allocate();
        // Give back 1, 3, 4, 5 (a run of three) while 7 stays in use above them.
        pool.Free(pages[1]);
        pool.Free(pages[3]);
        pool.Free(pages[4]);
        pool.Free(pages[5]);
        Assert.Equal(4UL, pool.UsedPages);
        Assert.True(pool.AllocateContiguous(3) == pages[3]);
        Assert.Equal(7UL, pool.UsedPages);
        // No run of two left among the pages given back: it comes from the untouched rest.
        Assert.True(pool.AllocateContiguous(2) == pages[7] + 4096);
        pool.FreeContiguous(pages[3], 3);
        Assert.Equal(6UL, pool.UsedPages);
        Assert.True(pool.AllocateContiguous(9) == null);
    }

    [Fact]
    public void Unmapping_part_of_a_block_splits_it_and_mapping_it_back_restores_every_translation()
    {
        using var memory = new HypervisorTestMemory([0], 32);
        var pool = memory.NewPool();
        var root = (ulong*)pool.Allocate();
        PagingFormat format = Arm64Stage2.Format;
        ulong flags = Arm64Stage2.RegionFlags(MemoryRegion.Read | MemoryRegion.Write);
        // One 1 GiB block at 1 GiB.
        Assert.Equal(0, PageTable.Map(root, ref pool, format, 0x4000_0000, 0x4000_0000, 0x4000_0000, flags));
        ulong used = pool.UsedPages;
        Assert.True(PageTable.Translate(root, ref pool, format, 0x7fa0_0000, out ulong before, out ulong blockEntry));
        Assert.Equal(0, PageTable.Unmap(root, ref pool, format, 0x7fa0_0000, 0x10000));
        Assert.False(PageTable.Translate(root, ref pool, format, 0x7fa0_0000, out _, out _));
        Assert.False(PageTable.Translate(root, ref pool, format, 0x7fa0_f000, out _, out _));
        // Around the hole everything still translates as before, with the block's flags.
        foreach (ulong address in new ulong[] { 0x4000_0000, 0x7f9f_f000, 0x7fa1_0000, 0x7fff_f000 })
        {
            Assert.True(PageTable.Translate(root, ref pool, format, address, out ulong phys, out ulong entry));
            Assert.Equal(address, phys);
            Assert.Equal(Arm64Stage2.LeafFlags(blockEntry), Arm64Stage2.LeafFlags(entry));
        }
        Assert.Equal(used + 2, pool.UsedPages);             // a level-2 and a level-3 table
        Assert.Equal(0, PageTable.Map(root, ref pool, format, 0x7fa0_0000, 0x7fa0_0000, 0x10000, flags));
        Assert.True(PageTable.Translate(root, ref pool, format, 0x7fa0_0000, out ulong after, out _));
        Assert.Equal(before, after);
        // Unmapping everything gives every table back.
        Assert.Equal(0, PageTable.Unmap(root, ref pool, format, 0x4000_0000, 0x4000_0000));
        Assert.Equal(used, pool.UsedPages);
        Assert.Equal(Errno.EINVAL, PageTable.Unmap(root, ref pool, format, 0x4000_0800, 0x1000));
        Assert.Equal(Errno.EINVAL, PageTable.Unmap(root, ref pool, format, 0x7f_ffff_f000, 0x2000));
    }

    [Fact]
    public void Destroying_a_table_tree_gives_every_page_back()
    {
        using var memory = new HypervisorTestMemory([0], 32);
        var pool = memory.NewPool();
        ulong used = pool.UsedPages;
        var root = (ulong*)pool.Allocate();
        PagingFormat format = Arm64Stage2.Format;
        ulong flags = Arm64Stage2.RegionFlags(MemoryRegion.Read);
        Assert.Equal(0, PageTable.Map(root, ref pool, format, 0, 0x7fa0_0000, 0x10000, flags));
        Assert.Equal(0, PageTable.Map(root, ref pool, format, 0x8000_0000, 0x7fb0_0000, 0x1000, flags));
        Assert.True(pool.UsedPages > used + 1);
        PageTable.Destroy(root, ref pool, format);
        Assert.Equal(used, pool.UsedPages);
    }
}
