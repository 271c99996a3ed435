using Jailhouse.Driver;

namespace Jailhouse.Tests.Driver;

/// <summary>Reading a /sys/devices/jailhouse tree laid out as kmod/sysfs.c writes it.</summary>
public sealed class SysfsTreeTests : TempDirectoryTest
{
    private void Cell(int id, string name, string cpus)
    {
        string dir = Path.Combine(temp, "cells", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(Path.Combine(dir, "statistics"));
        File.WriteAllText(Path.Combine(dir, "name"), name + "\n");
        File.WriteAllText(Path.Combine(dir, "state"), "running\n");
        File.WriteAllText(Path.Combine(dir, "cpus_assigned_list"), cpus + "\n");
        File.WriteAllText(Path.Combine(dir, "cpus_failed_list"), "\n");
        File.WriteAllText(Path.Combine(dir, "statistics", "vmexits_total"), "42\n");
        File.WriteAllText(Path.Combine(dir, "statistics", "vmexits_mmio"), "40\n");
    }

    [Fact]
    public void CellsAreListedByIdAndFoundByNameOrId()
    {
        File.WriteAllText(Path.Combine(temp, "enabled"), "1\n");
        Cell(10, "ten", "3");
        Cell(0, "root", "0,2");
        Cell(2, "10", "1");
        var sysfs = new SysfsTree(temp);
        Assert.True(sysfs.Enabled);
        Assert.Equal([0, 2, 10], sysfs.Cells().Select(c => c.Id));
        Assert.Equal("0,2", sysfs.Cells()[0].CpusAssigned);
        // All digits is an id (as upstream), so cell "10" is reached by its id 2.
        Assert.Equal("ten", sysfs.FindCell("10")!.Name);
        Assert.Equal(2, sysfs.FindCell("2")!.Id);
        Assert.Equal(0, sysfs.FindCell("root")!.Id);
        Assert.Null(sysfs.FindCell("nope"));
        Assert.Equal([("vmexits_mmio", "40"), ("vmexits_total", "42")], SysfsTree.Statistics(sysfs.FindCell("ten")!));
    }

    [Fact]
    public void ADisabledOrMissingDriverIsSeen()
    {
        Assert.False(new SysfsTree(Path.Combine(temp, "none")).DriverLoaded);
        File.WriteAllText(Path.Combine(temp, "enabled"), "0\n");
        var sysfs = new SysfsTree(temp);
        Assert.True(sysfs.DriverLoaded);
        Assert.False(sysfs.Enabled);
        Assert.Empty(sysfs.Cells());
    }
}
