using Jailhouse.Config;
using Jailhouse.Debian;

namespace Jailhouse.Tests;

public sealed class PackageCacheTests : TempDirectoryTest
{

    private static PinnedPackage Pinned(string name, string arch) =>
        PackageLock.ReadFile(Path.Combine(Paths.RepositoryRoot, "recipes", "target-packages.lock"))
            .Single(p => p.Name == name && p.Architecture == arch);

    [Fact]
    public void TheProjectLockFileParses()
    {
        var packages = PackageLock.ReadFile(Path.Combine(Paths.RepositoryRoot, "recipes", "target-packages.lock"));
        Assert.Contains(packages, p => p.Name.StartsWith("linux-image-", StringComparison.Ordinal) && p.Architecture == "arm64");
        Assert.Contains(packages, p => p.Name.StartsWith("linux-image-", StringComparison.Ordinal) && p.Architecture == "amd64");
        Assert.Equal("busybox-static_1%3a1.35.0-4+deb12u1+b1_arm64.deb", Pinned("busybox-static", "arm64").FileName);
    }

    [Theory]
    [InlineData("busybox 1.0 arm64\n", "lock:1:1: error: expected \"NAME VERSION ARCH SHA256\", found 3 field(s)")]
    [InlineData("# c\n  busybox 1.0 arm64 ABCDEF\n", "lock:2:21: error: expected a sha256 of 64 lower-case hex digits, found \"ABCDEF\"")]
    public void BadLockLinesAreRefused(string text, string expected) =>
        Assert.Equal(expected, Assert.Throws<ConfigException>(() => PackageLock.Read(text, "lock")).ToString());

    [Fact]
    public void DuplicatePinsAreRefused()
    {
        string sha = new('a', 64);
        var error = Assert.Throws<ConfigException>(() => PackageLock.Read($"x 1 arm64 {sha}\nx 2 arm64 {sha}\n", "lock"));
        Assert.Equal("lock:2:1: error: x:arm64 is pinned twice (first on line 1)", error.ToString());
    }

    [Fact]
    public void FetchVerifiesAndCachesThenExtracts()
    {
        var cache = new PackageCache(Path.Combine(temp, "cache"));
        var busybox = Pinned("busybox-static", "arm64");
        string deb = cache.Fetch(busybox);
        Assert.Equal(busybox.Sha256, PackageCache.Sha256(deb));
        // A second fetch is served from the cache: same file, untouched.
        var written = File.GetLastWriteTimeUtc(deb);
        Assert.Equal(deb, cache.Fetch(busybox));
        Assert.Equal(written, File.GetLastWriteTimeUtc(deb));

        string root = cache.Extract(busybox, Path.Combine(temp, "rootfs"));
        Assert.True(File.Exists(Path.Combine(root, "bin", "busybox")));
    }

    [Fact]
    public void WrongSha256IsRefusedWithAClearMessage()
    {
        var cache = new PackageCache(Path.Combine(temp, "cache"));
        var busybox = Pinned("busybox-static", "amd64") with { Sha256 = new string('0', 64) };
        var error = Assert.Throws<ConfigException>(() => cache.Fetch(busybox));
        Assert.Contains($"sha256 mismatch for busybox-static:amd64=1:1.35.0-4+deb12u1+b1: the lock file pins {new string('0', 64)}, the download has 3d3fdbe9", error.Message);
        Assert.Empty(Directory.GetFiles(cache.Directory));
    }
}
