using Jailhouse.Debian;

namespace Jailhouse.Tests;

/// <summary>The target packages as the tests see them: never a version written into a test.</summary>
internal static class TestPackages
{
    public static string ProjectLock => TargetPackages.ProjectLock(Paths.RepositoryRoot);

    /// <summary>recipes/target-packages.lock as written, not resolved (no archive, no cache): for names only.</summary>
    public static TargetPackages Pinned => new(PackageLock.ReadFile(ProjectLock), ProjectLock);

    private static readonly Lazy<TargetPackages> resolved = new(() =>
    {
        // What the Cake run that built the images resolved, so that tests and images agree.
        string built = Path.Combine(Paths.RepositoryRoot, "artifacts", "packages.lock");
        return TargetPackages.Load(Paths.RepositoryRoot, File.Exists(built) ? built : null, PackageCache.Default());
    });

    /// <summary>The set a build uses: artifacts/packages.lock of the Cake run, else the project lock resolved now.</summary>
    public static TargetPackages Resolved => resolved.Value;
}
