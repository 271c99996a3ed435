using Jailhouse.Debian;

namespace Jailhouse.Tests;

/// <summary>The pinned Debian arm64 kernel package, extracted once per test run (its DTBs are test input).</summary>
internal static class DebianKernel
{
    private static readonly Lazy<string> Extracted = new(() =>
    {
        var pinned = PackageLock.ReadFile(Path.Combine(Paths.RepositoryRoot, "recipes", "target-packages.lock"))
            .Single(p => p.Name.StartsWith("linux-image-", StringComparison.Ordinal) && p.Architecture == "arm64");
        var cache = PackageCache.Default();
        string target = Path.Combine(Path.GetDirectoryName(cache.Directory)!, "extracted", pinned.Name);
        cache.Extract(pinned, target);
        return Directory.EnumerateDirectories(Path.Combine(target, "usr", "lib")).Single(d => Path.GetFileName(d).StartsWith("linux-image-", StringComparison.Ordinal));
    });

    /// <summary>usr/lib/linux-image-VERSION/ of the extracted package: the DTB tree.</summary>
    public static string DtbDirectory => Extracted.Value;
}
