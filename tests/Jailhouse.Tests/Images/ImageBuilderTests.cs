using System.Security.Cryptography;
using Jailhouse.Images;

namespace Jailhouse.Tests.Images;

public sealed class ImageBuilderTests : TempDirectoryTest
{

    private const string Description = """
        images:
          - file: boot.img
            size: 64M
            filesystem: fat
            label: BOOT
            files:
              EFI/BOOT/BOOTAA64.EFI: grub/grub.efi
              Image: kernel/Image
          - file: system.img
            size: 32M
            filesystem: ext4
            label: rootfs
            trees: [rootfs]
            sparse-split: 512K
          - file: disk.img
            size: 128M
            table: gpt
            partitions:
              - { name: esp, type: efi-system, size: 64M, filesystem: fat32, label: ESP, files: { EFI/BOOT/BOOTX64.EFI: grub/grub.efi } }
              - { name: root, type: linux, filesystem: ext4, label: root, trees: [rootfs] }
          - file: ptable.img
            size: 7818182656
            table: gpt
            table-only: true
            partitions:
              - { name: boot, type: efi-system, size: 64M }
              - { name: system, type: linux }
          - file: usb.img
            size: 40M
            table: mbr
            partitions:
              - { name: boot, type: basic-data, bootable: true, filesystem: fat16, label: USB, files: { kernel: kernel/Image } }
        """;

    /// <summary>A board artifacts tree; its file times differ per seed, which must not matter.</summary>
    private string Artifacts(string name, int seed)
    {
        string root = Path.Combine(temp, name);
        Directory.CreateDirectory(Path.Combine(root, "grub"));
        Directory.CreateDirectory(Path.Combine(root, "kernel"));
        Directory.CreateDirectory(Path.Combine(root, "rootfs", "etc", "jailhouse"));
        Directory.CreateDirectory(Path.Combine(root, "rootfs", "bin"));
        var data = new byte[3_000_000];
        new Random(1).NextBytes(data);
        File.WriteAllBytes(Path.Combine(root, "kernel", "Image"), data);
        File.WriteAllBytes(Path.Combine(root, "grub", "grub.efi"), data[..400_000]);
        File.WriteAllText(Path.Combine(root, "rootfs", "etc", "jailhouse", "README"), "cells\n");
        File.WriteAllBytes(Path.Combine(root, "rootfs", "bin", "busybox"), data[..900_000]);
        File.CreateSymbolicLink(Path.Combine(root, "rootfs", "bin", "sh"), "busybox");
        foreach (string file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddDays(-seed));
        return root;
    }

    private List<string> Build(string artifacts, string output)
    {
        var description = ImageDescriptionReader.Read(Description, "image.yaml", "testboard");
        return new ImageBuilder(description, artifacts, DateTimeOffset.FromUnixTimeSeconds(1_700_000_000)).Build(output);
    }

    [Fact]
    public void EveryImageIsValidForItsTool()
    {
        var written = Build(Artifacts("a", 1), Path.Combine(temp, "out"));
        string o = Path.Combine(temp, "out");
        Assert.Contains(Path.Combine(o, "disk.bmap"), written);
        Assert.Contains(Path.Combine(o, "system.sparse-0.img"), written);

        Tool.Ok("fsck.fat", "-n", Path.Combine(o, "boot.img"));
        Assert.Contains("Image", Tool.Ok("mdir", "-i", Path.Combine(o, "boot.img"), "::/"));
        Tool.Ok("e2fsck", "-fn", Path.Combine(o, "system.img"));
        Assert.Contains("busybox", Tool.Ok("debugfs", "-R", "ls -l /bin", Path.Combine(o, "system.img")));

        Assert.Contains("No problems found", Tool.Ok("sgdisk", "-v", Path.Combine(o, "disk.img")));
        // The ESP starts at 1 MiB: mtools reads it at that offset.
        Assert.Contains("BOOTX64", Tool.Ok("mdir", "-i", Path.Combine(o, "disk.img") + "@@1M", "::/EFI/BOOT"));
        Tool.Ok("sfdisk", "--verify", Path.Combine(o, "usb.img"));
        Assert.Contains("kernel", Tool.Ok("mdir", "-i", Path.Combine(o, "usb.img") + "@@1M", "::/"));

        // The ptable is the primary GPT of a 7.8 GB eMMC only: 34 sectors.
        Assert.Equal(34 * 512, new FileInfo(Path.Combine(o, "ptable.img")).Length);

        // The sparse pieces flash back to the raw ext4 image.
        var pieces = written.Where(f => f.Contains(".sparse-", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.True(pieces.Count > 1);
        Assert.All(pieces, p => Assert.True(new FileInfo(p).Length <= 512 << 10));
        string back = Path.Combine(temp, "back.img");
        Tool.Ok("simg2img", [.. pieces, back]);
        Assert.Equal(SHA256.HashData(File.ReadAllBytes(Path.Combine(o, "system.img"))), SHA256.HashData(File.ReadAllBytes(back)));
    }

    [Fact]
    public void BuildsAreBitIdenticalAcrossDirectoriesAndFileTimes()
    {
        var first = Build(Artifacts("a", 1), Path.Combine(temp, "out1"));
        // A second later: any wall-clock time that leaks into an image shows up as a difference.
        Thread.Sleep(1100);
        var second = Build(Artifacts("b", 9), Path.Combine(temp, "out2"));
        static List<string> Names(List<string> written) => written.Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Names(first), Names(second));
        Assert.Equal(Names(first), Directory.EnumerateFiles(Path.Combine(temp, "out1")).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal));
        Assert.Contains("disk.img", Names(first));
        foreach (string file in first)
        {
            string other = Path.Combine(temp, "out2", Path.GetFileName(file));
            Assert.True(SHA256.HashData(File.ReadAllBytes(file)).AsSpan().SequenceEqual(SHA256.HashData(File.ReadAllBytes(other))),
                $"{Path.GetFileName(file)} differs");
        }
    }

    [Theory]
    [InlineData("images:\n  - file: a.img\n    size: 1M\n    filesystem: xfs\n", "image.yaml:4:17: error: filesystem: unknown file system \"xfs\"; expected one of: none, fat, fat12, fat16, fat32, ext4 (or a number)")]
    [InlineData("images:\n  - file: a.img\n    size: 1000\n    filesystem: fat\n", "image.yaml:3:11: error: image size: expected a multiple of 512 bytes")]
    [InlineData("images:\n  - file: a.img\n    size: 1M\n    table: gpt\n    partitions:\n      - { name: a }\n      - { name: b, size: 1M }\n", null)]
    public void BadDescriptionsAreRefused(string yaml, string? expected)
    {
        var error = Assert.Throws<InputException>(() =>
            new ImageBuilder(ImageDescriptionReader.Read(yaml, "image.yaml", "b"), temp, DateTimeOffset.UnixEpoch).Build(Path.Combine(temp, "o")));
        if (expected is not null)
            Assert.Equal(expected, error.ToString());
        else
            Assert.Equal("image.yaml:6:9: error: partition \"a\": only the last partition may omit its size", error.ToString());
    }
}
