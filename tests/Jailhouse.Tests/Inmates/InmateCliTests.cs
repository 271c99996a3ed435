using Jailhouse.Binaries;

namespace Jailhouse.Tests.Inmates;

/// <summary>`jailhouse inmate build` and `board assemble --inmates` on bad input, and the linker
/// step on a bad object: a clear message, exit 1, nothing left behind.</summary>
[Collection("console")]
public sealed class InmateCliTests : TempDirectoryTest
{
    [Fact]
    public void InmateBuildForAnotherArchitectureIsAnErrorBeforeAnyWork()
    {
        string output = Path.Combine(temp, "out");
        var (exit, _, stderr) = CliTests.RunCli("inmate", "build", "--arch", "x86", "--repository", Paths.RepositoryRoot, "-o", output);
        Assert.Equal(1, exit);
        Assert.Contains("expected arm64, found \"x86\"", stderr);
        Assert.False(Directory.Exists(output));
    }

    [Theory]
    [InlineData("0x123")]
    [InlineData("zero")]
    public void AnUnalignedOrMalformedBaseIsAUsageError(string linkBase)
    {
        string output = Path.Combine(temp, "out");
        var (exit, _, stderr) = CliTests.RunCli("inmate", "build", "--base", linkBase, "--repository", Paths.RepositoryRoot, "-o", output);
        Assert.Equal(2, exit);
        Assert.Contains($"--base: expected a page-aligned address such as 0 or 0x40200000, found \"{linkBase}\"", stderr);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void BoardAssembleNamesAMissingInmateFolder()
    {
        string cli = Path.Combine(temp, "jailhouse");
        File.WriteAllText(cli, "");
        string missing = Path.Combine(temp, "no-inmates");
        var (exit, _, stderr) = CliTests.RunCli("board", "assemble", Path.Combine(Paths.RepositoryRoot, "bsp", "qemu-arm64", "board.yaml"),
            "--artifacts", Path.Combine(temp, "artifacts"), "--cli", cli, "--inmates", missing);
        Assert.Equal(1, exit);
        Assert.Contains(missing, stderr);
        Assert.Contains("jailhouse inmate build", stderr);
    }

    [Fact]
    public void ABadObjectFailsInTheLinkerWithoutOutputFiles()
    {
        string bogus = Path.Combine(temp, "bogus.o");
        File.WriteAllText(bogus, "not an object");
        string output = Path.Combine(temp, "out");
        var error = Assert.Throws<InputException>(() => CSharpInmateBuilder.Link(Paths.RepositoryRoot, "bogus", bogus, 0, output));
        Assert.Contains("ld.lld failed", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(output));
    }
}
