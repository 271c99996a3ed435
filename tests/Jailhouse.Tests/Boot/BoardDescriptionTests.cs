using Jailhouse.Boot;

namespace Jailhouse.Tests.Boot;

public class BoardDescriptionTests
{
    public static TheoryData<string> Boards()
    {
        var data = new TheoryData<string>();
        foreach (string file in Directory.EnumerateFiles(Path.Combine(Paths.RepositoryRoot, "bsp"), "board.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(Path.GetDirectoryName(file))!);
        return data;
    }

    [Theory]
    [MemberData(nameof(Boards))]
    public void EveryBoardDescriptionReadsAndNamesItsFolder(string board)
    {
        var description = BoardDescriptionReader.ReadFile(Path.Combine(Paths.RepositoryRoot, "bsp", board, "board.yaml"));
        Assert.Equal(board, description.Name);
        Assert.Contains(description.DebianArch, new[] { "arm64", "amd64" });
        if (description.SystemConfig is { } config)
            Assert.True(File.Exists(Path.Combine(Paths.RepositoryRoot, "configs", board, config)), $"configs/{board}/{config} is missing");
        Assert.True(File.Exists(Path.Combine(Paths.RepositoryRoot, "bsp", board, "image.yaml")));
    }

    [Theory]
    [InlineData("name: b\narch: mips\n", "board.yaml:2:7: error: arch: expected arm64 or x86, found \"mips\"")]
    [InlineData("name: b\narch: arm64\nkernel-cmdline: [\"a b\"]\n", "board.yaml:3:18: error: kernel argument \"a b\": expected one word without blanks or double quotes (one list entry per argument)")]
    [InlineData("arch: arm64\n", "board.yaml:1:1: error: missing required field \"name\" in the board description")]
    [InlineData("name: b\narch: arm64\nqemu: { binary: q }\n", "board.yaml:3:7: error: missing required field \"firmware\" in qemu")]
    public void BadDescriptionsAreRefused(string yaml, string expected) =>
        Assert.Equal(expected, Assert.Throws<InputException>(() => BoardDescriptionReader.Read(yaml, "board.yaml")).ToString());

    [Theory]
    [InlineData("memmap=66M$0x3b000000", "memmap=66M\\$0x3b000000")]
    [InlineData("console=ttyS0,115200", "console=ttyS0,115200")]
    [InlineData("a;b", "a\\;b")]
    [InlineData("x\"y'z", "x\\\"y\\'z")]
    public void GrubArgumentsAreEscaped(string argument, string expected) =>
        Assert.Equal(expected, GrubConfigWriter.EscapeArgument(argument));

    [Fact]
    public void GrubConfigAcceptedByGrubScriptCheck()
    {
        string cfg = GrubConfigWriter.Write("Jailhouse x", "/vmlinuz", "/initrd.img", null, ["memmap=82M$0x3a000000", "console=ttyS0"]);
        Assert.Contains("    linux /vmlinuz memmap=82M\\$0x3a000000 console=ttyS0\n", cfg);
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, cfg);
            Tool.Ok("grub-script-check", file);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
