using Jailhouse.Debian;

namespace Jailhouse.Tests;

/// <summary>
/// Debian's arm64 kernel package of the resolved set, extracted once per test run (its DTBs are
/// test input). Tests that use it download it: they belong to the image tier.
/// </summary>
internal static class DebianKernel
{
    private static readonly Lazy<string> Extracted = new(() =>
    {
        var pinned = TestPackages.Resolved.Kernel("arm64");
        var cache = PackageCache.Default();
        string target = Path.Combine(cache.ExtractedDirectory, pinned.Name);
        cache.Extract(pinned, target);
        return Directory.EnumerateDirectories(Path.Combine(target, "usr", "lib")).Single(d => Path.GetFileName(d).StartsWith("linux-image-", StringComparison.Ordinal));
    });

    /// <summary>usr/lib/linux-image-VERSION/ of the extracted package: the DTB tree.</summary>
    public static string DtbDirectory => Extracted.Value;
}
