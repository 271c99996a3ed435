namespace Jailhouse.Tests.UpToDate;

/// <summary>`jailhouse release verify`: the comparison VerifyReproducible makes between two release directories.</summary>
[Collection("console")]
public sealed class ReleaseVerifyTests : TempDirectoryTest
{
    private (string First, string Second) TwoReleases()
    {
        string first = Path.Combine(temp, "first");
        string second = Path.Combine(temp, "second");
        foreach (string directory in new[] { first, second })
        {
            Directory.CreateDirectory(directory);
            File.WriteAllBytes(Path.Combine(directory, "qemu-arm64.tar.gz"), [1, 2, 3, 4]);
            File.WriteAllText(Path.Combine(directory, "manifest.json"), "{}\n");
        }
        return (first, second);
    }

    [Fact]
    public void IdenticalReleasesPass()
    {
        var (first, second) = TwoReleases();
        var (exit, stdout, stderr) = CliTests.RunCli("release", "verify", first, second);
        Assert.True(exit == 0, stderr);
        Assert.Equal("reproducible: 2 release files are bit-identical\n", stdout);
    }

    [Fact]
    public void ADifferingByteOrAMissingFileFailsNamingTheFiles()
    {
        var (first, second) = TwoReleases();
        File.WriteAllBytes(Path.Combine(second, "qemu-arm64.tar.gz"), [1, 2, 3, 5]);
        File.Delete(Path.Combine(first, "manifest.json"));
        var (exit, _, stderr) = CliTests.RunCli("release", "verify", first, second);
        Assert.Equal(1, exit);
        Assert.Contains("qemu-arm64.tar.gz: differs (sha256 ", stderr);
        Assert.Contains($"manifest.json: only in {second}", stderr);
        Assert.Contains("not reproducible: manifest.json, qemu-arm64.tar.gz", stderr);
    }

    [Fact]
    public void AMissingDirectoryIsAnInputError()
    {
        var (first, _) = TwoReleases();
        var (exit, _, stderr) = CliTests.RunCli("release", "verify", first, Path.Combine(temp, "none"));
        Assert.Equal(1, exit);
        Assert.Contains("none: error: not a directory", stderr);
    }
}
