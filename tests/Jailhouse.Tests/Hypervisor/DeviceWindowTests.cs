using Jailhouse.Hypervisor;

namespace Jailhouse.Tests.Hypervisor;

/// <summary>The EL2 device window (DeviceWindow): page-granular reservations with checked arithmetic.</summary>
public sealed class DeviceWindowTests
{
    private const ulong Base = 0xffff_0000_0000;

    [Fact]
    public void A_range_gets_the_pages_that_hold_it_one_after_the_other()
    {
        var window = new DeviceWindow(Base, 0x4000_0000);
        Assert.True(window.Reserve(0x0900_0000, 0x48, out ulong first, out ulong length, out ulong virt));
        Assert.Equal((0x0900_0000UL, 0x1000UL, Base), (first, length, virt));
        // 0x0800_fff0 + 0x20 straddles a page boundary: two pages.
        Assert.True(window.Reserve(0x0800_fff0, 0x20, out first, out length, out virt));
        Assert.Equal((0x0800_f000UL, 0x2000UL, Base + 0x1000), (first, length, virt));
    }

    [Theory]
    [InlineData(0xffff_ffff_ffff_f000UL, 0x2000UL)]   // ends beyond 2^64
    [InlineData(0x1000UL, 0xffff_ffff_ffff_f001UL)]   // a size that wraps the end around
    [InlineData(0x1000UL, 0UL)]                       // nothing
    public void Wrapping_or_empty_ranges_are_refused(ulong phys, ulong size)
    {
        var window = new DeviceWindow(Base, 0x4000_0000);
        Assert.False(window.Reserve(phys, size, out _, out _, out _));
        Assert.Equal(0UL, window.Used);
    }

    [Fact]
    public void The_last_page_at_the_top_of_the_address_space_is_allowed()
    {
        var window = new DeviceWindow(Base, 0x4000_0000);
        Assert.True(window.Reserve(0xffff_ffff_ffff_f000, 0x1000, out ulong first, out ulong length, out _));
        Assert.Equal((0xffff_ffff_ffff_f000UL, 0x1000UL), (first, length));
    }

    [Fact]
    public void A_full_window_refuses_and_reserves_nothing()
    {
        var window = new DeviceWindow(Base, 0x3000);
        Assert.True(window.Reserve(0x1000_0000, 0x2000, out _, out _, out _));
        Assert.False(window.Reserve(0x2000_0000, 0x1001, out _, out _, out _));   // two pages, one left
        Assert.True(window.Reserve(0x2000_0000, 0x1000, out _, out _, out ulong virt));
        Assert.Equal(Base + 0x2000, virt);
        Assert.False(window.Reserve(0x3000_0000, 1, out _, out _, out _));
    }
}
