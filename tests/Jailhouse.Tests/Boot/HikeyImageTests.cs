using System.Text.Json;

namespace Jailhouse.Tests.Boot;

/// <summary>
/// The HiKey's flashable set (built by `dotnet cake --target=Images --board=hikey`, which
/// ./test.sh runs first), checked with the tools since there is no board here to flash.
/// </summary>
[Trait("Tier", "Images")]
public sealed class HikeyImageTests : TempDirectoryTest
{
    private static readonly string Images = Path.Combine(Paths.RepositoryRoot, "artifacts", "hikey", "images");

    private static string Image(string name)
    {
        string path = Path.Combine(Images, name);
        Assert.True(File.Exists(path), $"{path} is missing: run `dotnet cake --target=Images --board=hikey` (./test.sh does)");
        return path;
    }

    [Fact]
    public void PtableHasTheLinux8gLayout()
    {
        // The primary GPT of the eMMC (15,269,888 sectors): place it at the start of a sparse
        // file of that size so sfdisk reads it as the board would.
        string disk = Path.Combine(temp, "emmc.img");
        using (var stream = File.Create(disk))
        {
            stream.SetLength(15_269_888L * 512);
            stream.Write(File.ReadAllBytes(Image("ptable.img")));
        }
        var table = JsonDocument.Parse(Tool.Stdout("sfdisk", "--json", disk)).RootElement.GetProperty("partitiontable");
        var parts = table.GetProperty("partitions").EnumerateArray()
            .Select(p => (Name: p.GetProperty("name").GetString(), Start: p.GetProperty("start").GetInt64() * 512 >> 20, Size: p.GetProperty("size").GetInt64() * 512 >> 20))
            .ToList();
        Assert.Equal(["vrl", "vrl_backup", "mcuimage", "fastboot", "nvme", "boot", "reserved", "cache", "system"], parts.Select(p => p.Name));
        Assert.Equal((14L, 64L), (parts[5].Start, parts[5].Size));
        Assert.Equal(590L, parts[8].Start);
        Assert.Equal("C12A7328-F81F-11D2-BA4B-00A0C93EC93B", table.GetProperty("partitions")[5].GetProperty("type").GetString());
    }

    [Fact]
    public void BootPartitionHoldsGrubKernelDeviceTreeAndInitramfs()
    {
        string boot = Image("boot.img");
        Assert.Equal(64L << 20, new FileInfo(boot).Length);
        Tool.Ok("fsck.fat", "-n", boot);
        string root = Tool.Ok("mdir", "-i", boot, "-b", "::/");
        foreach (string file in new[] { "::/Image", "::/hi6220-hikey.dtb", "::/initrd.img" })
            Assert.Contains(file, root);
        string grub = Path.Combine(temp, "grub.cfg");
        Tool.Ok("mcopy", "-n", "-i", boot, "::/EFI/BOOT/grub.cfg", grub);
        Assert.Contains("devicetree /hi6220-hikey.dtb", File.ReadAllText(grub));
        Assert.Contains("console=ttyAMA3,115200", File.ReadAllText(grub));
        Assert.Contains("::/EFI/BOOT/BOOTAA64.EFI", Tool.Ok("mdir", "-i", boot, "-b", "::/EFI/BOOT"));
        string dtb = Path.Combine(temp, "board.dtb");
        Tool.Ok("mcopy", "-n", "-i", boot, "::/hi6220-hikey.dtb", dtb);
        Assert.Equal("hisilicon,hi6220-hikey\nhisilicon,hi6220", Tool.Ok("fdtget", "-t", "s", dtb, "/", "compatible").Trim().Replace(' ', '\n'));
    }

    [Fact]
    public void SystemSparsePiecesAreUnderTheDownloadLimitAndHoldTheRootFileSystem()
    {
        var pieces = Directory.EnumerateFiles(Images, "system.sparse-*.img").Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(pieces);
        Assert.All(pieces, p => Assert.True(new FileInfo(p).Length <= 256L << 20));
        string raw = Path.Combine(temp, "system.raw");
        Tool.Ok("simg2img", [.. pieces, raw]);
        Tool.Ok("e2fsck", "-fn", raw);
        Assert.Contains("jailhouse", Tool.Ok("debugfs", "-R", "ls -l /usr/sbin", raw));
    }
}
