using Jailhouse.Config;
using Jailhouse.Debian;

namespace Jailhouse.Tests.Packages;

public sealed class PackageCacheTests : TempDirectoryTest
{
    private static PinnedPackage Pinned(string name, string arch) =>
        TestPackages.Resolved.Find(p => p.Name == name && p.Architecture == arch, name);

    [Fact]
    public void TheProjectLockFileParses()
    {
        var packages = PackageLock.ReadFile(TestPackages.ProjectLock);
        Assert.Contains(packages, p => p.Name.StartsWith("linux-image-", StringComparison.Ordinal) && p.Architecture == "arm64");
        Assert.Contains(packages, p => p.Name.StartsWith("linux-image-", StringComparison.Ordinal) && p.Architecture == "amd64");
        var busybox = packages.Single(p => p.Name == "busybox-static" && p.Architecture == "arm64");
        Assert.Equal($"busybox-static_{busybox.Version.Replace(":", "%3a", StringComparison.Ordinal)}_arm64.deb", busybox.FileName);
        Assert.Contains(':', busybox.Version);
    }

    [Fact]
    public void RewritingTheProjectLockWithItsOwnPinsKeepsEveryByte()
    {
        string text = File.ReadAllText(TestPackages.ProjectLock);
        Assert.Equal(text, PackageLock.Rewrite(text, PackageLock.Read(text, "lock")));
    }

    [Theory]
    [InlineData("1.0", "1.0")]
    [InlineData("1.0-10", "1.0-2")]
    [InlineData("1.0~rc1", "1.0")]
    [InlineData("1:0.1", "2.0")]
    [InlineData("6.1.192-3", "6.1.192-2")]
    [InlineData("2.36-9+deb12u14", "2.36-9+deb12u7")]
    [InlineData("1.0a", "1.0+")]
    [InlineData("1.0", "1.0-0")]
    [InlineData("1.01", "1.1")]
    [InlineData("2.06-13+deb12u2", "2.06-13")]
    [InlineData("1.0~~", "1.0~")]
    public void DebianVersionsOrderAsDpkgOrdersThem(string a, string b)
    {
        int ours = Math.Sign(DebianVersion.Compare(a, b));
        int dpkg = Tool.Run("dpkg", "--compare-versions", a, "lt", b).Exit == 0 ? -1
            : Tool.Run("dpkg", "--compare-versions", a, "eq", b).Exit == 0 ? 0 : 1;
        Assert.Equal(dpkg, ours);
        Assert.Equal(-ours, Math.Sign(DebianVersion.Compare(b, a)));
    }

    [Theory]
    [InlineData("busybox 1.0 arm64\n", "lock:1:1: error: expected \"NAME VERSION ARCH SHA256\", found 3 field(s)")]
    [InlineData("# c\n  busybox 1.0 arm64 ABCDEF\n", "lock:2:21: error: expected a sha256 of 64 lower-case hex digits, found \"ABCDEF\"")]
    public void BadLockLinesAreRefused(string text, string expected) =>
        Assert.Equal(expected, Assert.Throws<InputException>(() => PackageLock.Read(text, "lock")).ToString());

    [Fact]
    public void DuplicatePinsAreRefused()
    {
        string sha = new('a', 64);
        var error = Assert.Throws<InputException>(() => PackageLock.Read($"x 1 arm64 {sha}\nx 2 arm64 {sha}\n", "lock"));
        Assert.Equal("lock:2:1: error: x:arm64 is pinned twice (first on line 1)", error.ToString());
    }

    [Fact]
    [Trait("Tier", "Images")]
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
    [Trait("Tier", "Images")]
    public void WrongSha256IsRefusedWithAClearMessage()
    {
        var cache = new PackageCache(Path.Combine(temp, "cache"));
        var real = Pinned("busybox-static", "amd64");
        var busybox = real with { Sha256 = new string('0', 64) };
        var error = Assert.Throws<InputException>(() => cache.Fetch(busybox));
        Assert.Contains($"sha256 mismatch for {real}: the lock file pins {new string('0', 64)}, the download has {real.Sha256}", error.Message);
        Assert.Empty(Directory.GetFiles(cache.Directory));
    }
}
