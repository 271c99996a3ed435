using Jailhouse.Images;

namespace Jailhouse.Tests.Images;

public sealed class ArchiveFormatTests : TempDirectoryTest
{

    private string WriteRaw(string name)
    {
        // 4 KiB blocks: random data, zeros, a repeated pattern, more data, zeros at the end.
        var raw = new byte[4096 * 64];
        var random = new Random(7);
        random.NextBytes(raw.AsSpan(0, 4096 * 10));
        for (int i = 4096 * 20; i < 4096 * 30; i += 4)
            BitConverter.TryWriteBytes(raw.AsSpan(i), 0xa5a5_0f0fu);
        random.NextBytes(raw.AsSpan(4096 * 30, 4096 * 20));
        string path = Path.Combine(temp, name);
        File.WriteAllBytes(path, raw);
        return path;
    }

    [Fact]
    public void SparseImageExpandsToTheRawImage()
    {
        string raw = WriteRaw("raw.img");
        string sparse = Path.Combine(temp, "sparse.img");
        using (var input = File.OpenRead(raw))
        using (var output = File.Create(sparse))
            AndroidSparseWriter.Convert(input, output);
        Assert.True(new FileInfo(sparse).Length < new FileInfo(raw).Length);

        string back = Path.Combine(temp, "back.img");
        Tool.Ok("simg2img", sparse, back);
        Assert.Equal(File.ReadAllBytes(raw), File.ReadAllBytes(back));
    }

    [Fact]
    public void SplitPiecesStayUnderTheLimitAndTogetherGiveTheRawImage()
    {
        string raw = WriteRaw("raw.img");
        const long limit = 40 * 1024;
        var names = new List<string>();
        using (var input = File.OpenRead(raw))
        {
            var chunks = AndroidSparseWriter.Analyse(input);
            var pieces = AndroidSparseWriter.Split(chunks, input.Length / 4096, limit);
            Assert.True(pieces.Count >= 3);
            foreach (var (piece, i) in pieces.Select((p, i) => (p, i)))
            {
                string name = Path.Combine(temp, $"piece{i}.img");
                using (var output = File.Create(name))
                    AndroidSparseWriter.Write(input, piece, input.Length / 4096, output);
                Assert.True(new FileInfo(name).Length <= limit, $"{name} is {new FileInfo(name).Length} bytes");
                names.Add(name);
            }
        }
        string back = Path.Combine(temp, "back.img");
        // simg2img writes every piece into the same output, as fastboot flashing them in turn does.
        Tool.Ok("simg2img", [.. names, back]);
        Assert.Equal(File.ReadAllBytes(raw), File.ReadAllBytes(back));
    }

    [Fact]
    public void CpioArchiveListsSortedAndExtracts()
    {
        var cpio = new CpioWriter();
        cpio.AddFile("init", "#!/bin/sh\necho hello\n"u8.ToArray(), 0x1ed);
        cpio.AddFile("etc/jailhouse/qemu-arm64.cell", [1, 2, 3]);
        cpio.AddSymlink("bin/sh", "busybox");
        cpio.AddCharDevice("dev/console", 5, 1);
        cpio.AddDirectory("proc");
        string archive = Path.Combine(temp, "initrd.cpio");
        using (var output = File.Create(archive))
            cpio.WriteTo(output, DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));

        string listing = Tool.Ok("sh", "-c", $"cpio -it --quiet < '{archive}'");
        Assert.Equal(["bin", "bin/sh", "dev", "dev/console", "etc", "etc/jailhouse", "etc/jailhouse/qemu-arm64.cell", "init", "proc"],
            listing.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        string verbose = Tool.Ok("sh", "-c", $"cpio -itv --quiet < '{archive}'");
        Assert.Contains("lrwxrwxrwx   1 root     root            7 Nov 14  2023 bin/sh -> busybox", verbose);
        Assert.Contains("crw-------   1 root     root       5,   1 Nov 14  2023 dev/console", verbose);

        string extract = Directory.CreateDirectory(Path.Combine(temp, "x")).FullName;
        Tool.Ok("sh", "-c", $"cd '{extract}' && cpio -id --quiet --no-absolute-filenames 'init' < '{archive}'");
        Assert.Equal("#!/bin/sh\necho hello\n", File.ReadAllText(Path.Combine(extract, "init")));
    }

    [Fact]
    public void BmapCopyReproducesTheImage()
    {
        var fat = new FatImageWriter(32L << 20, "BMAP", 5, DateTimeOffset.UnixEpoch, FatType.Fat16);
        fat.AddFile("kernel", new byte[200_000].Select((_, i) => (byte)i).ToArray());
        string image = Path.Combine(temp, "esp.img");
        using (var stream = File.Create(image))
            fat.WriteTo(stream);
        string bmap = Path.Combine(temp, "esp.bmap");
        File.WriteAllText(bmap, BmapWriter.Create(image));
        Assert.Contains("<BlocksCount> 8192 </BlocksCount>", File.ReadAllText(bmap));

        string copy = Path.Combine(temp, "copy.img");
        Tool.Ok("bmaptool", "copy", "--bmap", bmap, image, copy);
        Assert.Equal(File.ReadAllBytes(image), File.ReadAllBytes(copy));
    }
}
