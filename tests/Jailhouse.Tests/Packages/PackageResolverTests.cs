using Jailhouse.Debian;

namespace Jailhouse.Tests.Packages;

/// <summary>
/// Resolving the lock against an archive that moved on, without the network: a local apt
/// archive (<see cref="LocalAptRepository"/>) that lacks the pinned versions but serves newer ones.
/// </summary>
[Collection("console")]
public sealed class PackageResolverTests : TempDirectoryTest
{
    /// <summary>The pins of a lock written when the archive still served them, and the archive now.</summary>
    private sealed record Scenario(LocalAptRepository Apt, List<PinnedPackage> Pins, PackageCache Cache, string LockFile);

    private Scenario MovedOnArchive()
    {
        var apt = new LocalAptRepository(Path.Combine(temp, "apt"));
        var pins = new List<PinnedPackage>
        {
            apt.Add("linux-image-9.9.0-2-test", "9.9.1-2", "amd64", served: false),
            apt.Add("linux-headers-9.9.0-2-test", "9.9.1-2", "amd64", served: false),
            apt.Add("linux-headers-9.9.0-2-common", "9.9.1-2", "all", served: false),
            apt.Add("linux-kbuild-9.9", "9.9.1-2", "amd64", served: false),
            apt.Add("jh-tool", "1.0-1", "amd64", served: false),
            apt.Add("jh-kept", "2.0-1", "amd64"),
        };
        // The kernel moved to a new ABI of the same flavour; decoys of other flavours, series and upstream versions.
        apt.Add("linux-image-9.9.0-3-test", "9.9.1-3", "amd64");
        apt.Add("linux-image-9.9.0-1-test", "9.9.0-5", "amd64");
        apt.Add("linux-image-9.9.0-4-test-unsigned", "9.9.2-1", "amd64");
        apt.Add("linux-image-9.10.0-1-test", "9.10.1-1", "amd64");
        apt.Add("linux-headers-9.9.0-3-test", "9.9.1-3", "amd64");
        apt.Add("linux-headers-9.9.0-3-common", "9.9.1-3", "all");
        apt.Add("linux-kbuild-9.9", "9.9.1-3", "amd64");
        apt.Add("linux-kbuild-9.9", "9.9.2-1", "amd64");
        // 1.0-10 is newer than 1.0-2 (numerically), and 1.0~rc1 older than 1.0.
        apt.Add("jh-tool", "1.0-2", "amd64");
        apt.Add("jh-tool", "1.0-10", "amd64");
        apt.Add("jh-tool", "1.1~rc1-1", "amd64");
        apt.Add("jh-tool", "0.9-1", "amd64");
        apt.Publish();

        string lockFile = Path.Combine(temp, "root", "recipes", "target-packages.lock");
        Directory.CreateDirectory(Path.GetDirectoryName(lockFile)!);
        File.WriteAllText(lockFile, PackageLock.Format(pins, ["A lock written when the archive served these."]));
        return new Scenario(apt, PackageLock.ReadFile(lockFile).ToList(), new PackageCache(Path.Combine(temp, "cache"), apt.Archive), lockFile);
    }

    private static string Versions(IEnumerable<PinnedPackage> packages) =>
        string.Join("\n", packages.Select(p => $"{p.Name}:{p.Architecture}={p.Version}"));

    [Fact]
    public void DefaultModeReplacesEachUnservedPinWithinItsFamilyAndWarnsOnce()
    {
        var s = MovedOnArchive();
        var resolved = new PackageResolver(s.Cache, s.Apt.Archive).Resolve(s.Pins, ResolveMode.Default, s.LockFile);

        Assert.Equal(string.Join("\n",
            "linux-image-9.9.0-3-test:amd64=9.9.1-3",        // same flavour and series, newest ABI
            "linux-headers-9.9.0-3-test:amd64=9.9.1-3",      // follow the kernel's ABI and version
            "linux-headers-9.9.0-3-common:all=9.9.1-3",
            "linux-kbuild-9.9:amd64=9.9.1-3",                // the kernel's upstream version, not the newest
            "jh-tool:amd64=1.1~rc1-1",                       // newest of the same name, in dpkg's order
            "jh-kept:amd64=2.0-1"), Versions(resolved.Packages));
        Assert.Equal(5, resolved.Substitutions.Count);
        string warning = resolved.Warning(s.LockFile)!;
        Assert.StartsWith($"{s.LockFile}: warning: 5 pinned packages are neither cached nor served any more", warning);
        Assert.Contains("linux-kbuild-9.9:amd64 9.9.1-2 -> 9.9.1-3", warning);
        Assert.Contains("linux-image-9.9.0-2-test:amd64 9.9.1-2 -> linux-image-9.9.0-3-test 9.9.1-3", warning);
        Assert.DoesNotContain("jh-kept", warning);
        Assert.Contains(PackageResolver.RefreshCommand, warning);

        // The substitutes download and verify against the index's sha256, and are what they claim.
        var debs = s.Cache.FetchAll(resolved.Packages);
        Assert.All(resolved.Packages.Zip(debs), p => Assert.Equal(p.First.Sha256, PackageCache.Sha256(p.Second)));
        string tool = s.Cache.Extract(resolved.Packages[4], Path.Combine(temp, "tool"));
        Assert.Equal("1.1~rc1-1\n", File.ReadAllText(Path.Combine(tool, "usr", "share", "jh-tool", "version")));
    }

    [Fact]
    public void LockedModeRefusesNamingEveryStalePinAndTheRefreshCommand()
    {
        var s = MovedOnArchive();
        var error = Assert.Throws<InputException>(() =>
            new PackageResolver(s.Cache, s.Apt.Archive).Resolve(s.Pins, ResolveMode.Locked, s.LockFile));
        string message = error.ToString();
        Assert.StartsWith($"{s.LockFile}: error: 5 pinned packages are neither in the cache", message);
        // Each stale pin with its line in the lock (line 3 is the first package line) and what is served instead.
        Assert.Contains($"{s.LockFile}:3:1: linux-image-9.9.0-2-test:amd64=9.9.1-2 (served: none)", message);
        Assert.Contains($"{s.LockFile}:6:1: linux-kbuild-9.9:amd64=9.9.1-2 (served: 9.9.2-1, 9.9.1-3)", message);
        Assert.Contains($"{s.LockFile}:7:1: jh-tool:amd64=1.0-1 (served: 1.1~rc1-1, 1.0-10, 1.0-2, 0.9-1)", message);
        Assert.DoesNotContain("jh-kept", message);
        Assert.Contains(PackageResolver.RefreshCommand, message);
        Assert.False(Directory.Exists(s.Cache.Directory) && Directory.EnumerateFileSystemEntries(s.Cache.Directory).Any(), "nothing is downloaded");
    }

    [Fact]
    public void LockedModeTakesPinsTheCacheStillHolds()
    {
        var s = MovedOnArchive();
        // Fill the cache with the pins' own files (as an earlier build did), then resolve locked.
        Directory.CreateDirectory(s.Cache.Directory);
        foreach (var pin in s.Pins)
            File.Copy(Path.Combine(temp, "apt", pin.Name == "jh-kept" ? "repo" : "unserved", pin.FileName), s.Cache.CachedPath(pin));
        var resolved = new PackageResolver(s.Cache, s.Apt.Archive).Resolve(s.Pins, ResolveMode.Locked, s.LockFile);
        Assert.Equal(Versions(s.Pins), Versions(resolved.Packages));
        Assert.Empty(resolved.Substitutions);
    }

    [Theory]
    [InlineData(ResolveMode.Default)]
    [InlineData(ResolveMode.Locked)]
    public void ATamperedDebInTheCacheIsRefused(ResolveMode mode)
    {
        var s = MovedOnArchive();
        var kept = s.Pins.Single(p => p.Name == "jh-kept");
        string deb = s.Cache.Fetch(kept);
        byte[] bytes = File.ReadAllBytes(deb);
        bytes[^1] ^= 0xff;
        File.WriteAllBytes(deb, bytes);

        var error = Assert.Throws<InputException>(() => new PackageResolver(s.Cache, s.Apt.Archive).Resolve(s.Pins, mode, s.LockFile));
        Assert.Contains($"the cached {deb} has sha256 {PackageCache.Sha256(deb)}, expected {kept.Sha256} for jh-kept:amd64=2.0-1: refusing it", error.Message);
        Assert.Equal(bytes, File.ReadAllBytes(deb));
    }

    [Fact]
    public void AServedFileWithAnotherSha256ThanThePinIsRefused()
    {
        var s = MovedOnArchive();
        var pins = s.Pins.Select(p => p.Name == "jh-kept" ? p with { Sha256 = new string('a', 64) } : p).ToList();
        var error = Assert.Throws<InputException>(() => new PackageResolver(s.Cache, s.Apt.Archive).Resolve(pins, ResolveMode.Default, s.LockFile));
        Assert.Contains($"the archive serves jh-kept:amd64=2.0-1 with sha256 {s.Pins[5].Sha256}, the lock pins {new string('a', 64)}: refusing it", error.Message);
    }

    /// <summary>The CLI over the same archive (APT_CONFIG points apt at it): resolve, --locked and lock --update.</summary>
    [Fact]
    public void TheCommandsResolveRefuseAndRefreshTheLock()
    {
        var s = MovedOnArchive();
        string root = Path.GetDirectoryName(Path.GetDirectoryName(s.LockFile)!)!;
        string resolvedLock = Path.Combine(temp, "out", "packages.lock");
        Directory.CreateDirectory(Path.GetDirectoryName(resolvedLock)!);
        using var environment = new EnvironmentScope(("APT_CONFIG", s.Apt.ConfigFile), ("JAILHOUSE_DOWNLOADS", s.Cache.Directory));

        var locked = CliTests.RunCli("packages", "resolve", "--repository", root, "--locked", "-o", resolvedLock);
        Assert.Equal(1, locked.Exit);
        Assert.Contains("5 pinned packages are neither in the cache", locked.Err);
        Assert.False(File.Exists(resolvedLock));

        var substituted = CliTests.RunCli("packages", "resolve", "--repository", root, "-o", resolvedLock);
        Assert.Equal(0, substituted.Exit);
        Assert.Contains("warning: 5 pinned packages are neither cached nor served any more", substituted.Err);
        var written = PackageLock.ReadFile(resolvedLock);
        Assert.Equal("linux-image-9.9.0-3-test:amd64=9.9.1-3", Versions(written.Take(1)));

        string before = File.ReadAllText(s.LockFile);
        var update = CliTests.RunCli("packages", "lock", "--update", "--repository", root);
        Assert.Equal(0, update.Exit);
        Assert.Contains($"{s.LockFile}: 5 of 6 pins changed", update.Out);
        string after = File.ReadAllText(s.LockFile);
        Assert.Equal(before.Split('\n')[..2], after.Split('\n')[..2]);   // comments stay
        Assert.Equal(Versions(written), Versions(PackageLock.ReadFile(s.LockFile)));
        // The refreshed lock resolves exactly, with nothing substituted.
        var exact = CliTests.RunCli("packages", "resolve", "--repository", root, "--locked", "-o", resolvedLock);
        Assert.Equal(0, exact.Exit);
        Assert.Equal("", exact.Err);
    }
}
