using System.Security.Cryptography;
using Jailhouse.Images;

namespace Jailhouse.Tests.Images;

public sealed class FatImageWriterTests : TempDirectoryTest
{

    private static byte[] Bytes(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static readonly DateTimeOffset Timestamp = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    private string Build(long size, FatType type, string name)
    {
        var fat = new FatImageWriter(size, "JAILHOUSE", 0x1234abcd, Timestamp, type);
        fat.AddFile("EFI/BOOT/BOOTAA64.EFI", Bytes(300_000, 1));
        fat.AddFile("EFI/BOOT/grub.cfg", "set timeout=0\n"u8.ToArray());
        fat.AddFile("Image", Bytes(70_000, 2));
        fat.AddFile("hi6220-hikey.dtb", Bytes(40_839, 3));
        fat.AddFile("empty", []);
        fat.AddFile("a file with a Very Long Name – ünïcode.txt", "long\n"u8.ToArray());
        fat.AddDirectory("empty-dir");
        for (int i = 0; i < 40; i++)
            fat.AddFile($"many/entry-number-{i:D3}.bin", Bytes(100 + i, 100 + i));
        string image = Path.Combine(temp, name);
        using (var stream = File.Create(image))
            fat.WriteTo(stream);
        return image;
    }

    [Theory]
    [InlineData(FatType.Fat12, 1L << 20)]
    [InlineData(FatType.Fat16, 32L << 20)]
    [InlineData(FatType.Fat32, 64L << 20)]
    public void FsckAcceptsItAndMtoolsReadsEveryFile(FatType type, long size)
    {
        string image = Build(size, type, "fat.img");
        Assert.Equal(size, new FileInfo(image).Length);

        string fsck = Tool.Ok("fsck.fat", "-n", "-v", image);
        Assert.DoesNotContain("differ", fsck);
        Assert.Contains($"2 FATs, {(int)type} bit entries", fsck);
        Assert.Contains("files, ", fsck);

        string listing = Tool.Ok("mdir", "-i", image, "-/", "::/");
        Assert.Contains("a file with a Very Long Name – ünïcode.txt", listing);
        Assert.Contains("entry-number-039.bin", listing);
        Assert.Contains("grub.cfg", listing);

        string copied = Path.Combine(temp, "copied");
        Tool.Ok("mcopy", "-n", "-i", image, "::/EFI/BOOT/BOOTAA64.EFI", copied);
        Assert.Equal(Bytes(300_000, 1), File.ReadAllBytes(copied));
        Tool.Ok("mcopy", "-n", "-o", "-i", image, "::/many/entry-number-017.bin", copied);
        Assert.Equal(Bytes(117, 117), File.ReadAllBytes(copied));

        string info = Tool.Ok("minfo", "-i", image, "::");
        Assert.Contains("serial number: 1234ABCD", info);
        Assert.Contains("disk label=\"JAILHOUSE  \"", info);
    }

    [Fact]
    public void SameContentsGiveTheSameBytes()
    {
        string a = Build(64L << 20, FatType.Fat32, "a.img");
        string b = Build(64L << 20, FatType.Fat32, "b.img");
        Assert.Equal(SHA256.HashData(File.ReadAllBytes(a)), SHA256.HashData(File.ReadAllBytes(b)));
    }

    [Fact]
    public void TooManyFilesForTheImageIsAClearError()
    {
        var fat = new FatImageWriter(1L << 20, "SMALL", 1, Timestamp, FatType.Fat12);
        fat.AddFile("big.bin", new byte[2 << 20]);
        var error = Assert.Throws<ArgumentException>(() => fat.WriteTo(new MemoryStream()));
        Assert.StartsWith("the files need 4096 clusters of 512 bytes, the Fat12 image has", error.Message);
    }

    [Fact]
    public void WrongSizeForTheFatTypeIsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => new FatImageWriter(8L << 20, "X", 1, Timestamp, FatType.Fat32));
        Assert.Contains("cannot hold a valid Fat32 file system", error.Message);
    }

    [Fact]
    public void InvalidNamesAreRefused()
    {
        var fat = new FatImageWriter(1L << 20, "X", 1, Timestamp);
        Assert.Throws<ArgumentException>(() => fat.AddFile("a:b", []));
        Assert.Throws<ArgumentException>(() => fat.AddFile("dir/..", []));
    }
}
