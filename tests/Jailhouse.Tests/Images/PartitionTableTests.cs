using System.Text.Json;
using Jailhouse.Images;

namespace Jailhouse.Tests.Images;

public sealed class PartitionTableTests : TempDirectoryTest
{

    [Fact]
    public void GptDiskPassesSgdiskAndSfdisk()
    {
        const long sectors = (100L << 20) / 512;
        var esp = new GptPartition("esp", GptWriter.EfiSystemType, Reproducible.GuidFrom("xeon-d", "esp"), 2048, 2048 + (64L << 20) / 512 - 1);
        var root = new GptPartition("root", GptWriter.LinuxFilesystemType, Reproducible.GuidFrom("xeon-d", "root"), esp.LastLba + 1, GptWriter.LastUsableLba(sectors));
        string disk = Path.Combine(temp, "disk.img");
        using (var stream = File.Create(disk))
            GptWriter.Write(stream, sectors, Reproducible.GuidFrom("xeon-d", "disk"), [esp, root]);

        string verify = Tool.Ok("sgdisk", "-v", disk);
        Assert.Contains("No problems found", verify);
        Tool.Ok("sfdisk", "--verify", disk);

        var json = JsonDocument.Parse(Tool.Stdout("sfdisk", "--json", disk)).RootElement.GetProperty("partitiontable");
        Assert.Equal("gpt", json.GetProperty("label").GetString());
        Assert.Equal(Reproducible.GuidFrom("xeon-d", "disk").ToString().ToUpperInvariant(), json.GetProperty("id").GetString());
        var parts = json.GetProperty("partitions").EnumerateArray().ToList();
        Assert.Equal(2048, parts[0].GetProperty("start").GetInt64());
        Assert.Equal("C12A7328-F81F-11D2-BA4B-00A0C93EC93B", parts[0].GetProperty("type").GetString());
        Assert.Equal("esp", parts[0].GetProperty("name").GetString());
        Assert.Equal(esp.Unique.ToString().ToUpperInvariant(), parts[0].GetProperty("uuid").GetString());
        Assert.Equal(GptWriter.LastUsableLba(sectors) - root.FirstLba + 1, parts[1].GetProperty("size").GetInt64());
    }

    [Fact]
    public void OverlappingPartitionsAreRefused()
    {
        var a = new GptPartition("a", GptWriter.BasicDataType, Guid.Empty, 2048, 4095);
        var b = new GptPartition("b", GptWriter.BasicDataType, Guid.Empty, 4000, 8191);
        var error = Assert.Throws<ArgumentException>(() => GptWriter.Build(1 << 16, Guid.Empty, [a, b]));
        Assert.Equal("partitions \"a\" and \"b\" overlap", error.Message);
    }

    [Fact]
    public void MbrDiskPassesSfdisk()
    {
        string disk = Path.Combine(temp, "mbr.img");
        using (var stream = File.Create(disk))
        {
            stream.SetLength(64L << 20);
            stream.Write(MbrWriter.Build(0xdeadbeef, [new MbrPartition(MbrWriter.TypeFat32Lba, 2048, (uint)((64L << 20) / 512 - 2048), Bootable: true)]));
        }
        Tool.Ok("sfdisk", "--verify", disk);
        var json = JsonDocument.Parse(Tool.Stdout("sfdisk", "--json", disk)).RootElement.GetProperty("partitiontable");
        Assert.Equal("dos", json.GetProperty("label").GetString());
        Assert.Equal("0xdeadbeef", json.GetProperty("id").GetString());
        var part = json.GetProperty("partitions")[0];
        Assert.Equal("c", part.GetProperty("type").GetString());
        Assert.True(part.GetProperty("bootable").GetBoolean());
    }

    [Fact]
    public void DerivedGuidsAreStableAndDistinct()
    {
        Assert.Equal(Reproducible.GuidFrom("hikey", "boot"), Reproducible.GuidFrom("hikey", "boot"));
        Assert.NotEqual(Reproducible.GuidFrom("hikey", "boot"), Reproducible.GuidFrom("hikey", "system"));
        Assert.Equal('5', Reproducible.GuidFrom("x").ToString()[14]);
    }
}
