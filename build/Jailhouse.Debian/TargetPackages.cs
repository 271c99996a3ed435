
namespace Jailhouse.Debian;

/// <summary>
/// The target packages one build uses: recipes/target-packages.lock as resolved against the cache
/// and the archive (<see cref="PackageResolver"/>), or a lock that `jailhouse packages resolve`
/// already wrote (artifacts/packages.lock), read as it is. Everything that needs a package (the
/// kernel, its release, headers, GRUB, ...) asks this set, never the project lock directly.
/// </summary>
public sealed class TargetPackages(IReadOnlyList<PinnedPackage> packages, string lockFile)
{
    public IReadOnlyList<PinnedPackage> All { get; } = packages;

    /// <summary>The lock file the set came from (for messages).</summary>
    public string LockFile { get; } = lockFile;

    public static string ProjectLock(string repositoryRoot) => Path.Combine(repositoryRoot, "recipes", "target-packages.lock");

    /// <summary>
    /// <paramref name="resolvedLock"/> if given; else the project lock resolved in
    /// <paramref name="mode"/>, the substitution warning (if any) on standard error.
    /// </summary>
    public static TargetPackages Load(string repositoryRoot, string? resolvedLock, PackageCache cache, ResolveMode mode = ResolveMode.Default)
    {
        if (resolvedLock is not null)
            return new TargetPackages(PackageLock.ReadFile(resolvedLock), resolvedLock);
        string lockFile = ProjectLock(repositoryRoot);
        var resolved = new PackageResolver(cache, cache.Archive).Resolve(PackageLock.ReadFile(lockFile), mode, lockFile);
        if (resolved.Warning(lockFile) is { } warning)
            Console.Error.Write(warning);
        return new TargetPackages(resolved.Packages, lockFile);
    }

    public PinnedPackage Find(Func<PinnedPackage, bool> match, string what) =>
        All.FirstOrDefault(match) ?? throw new InputException(new SourceLocation(LockFile, 0, 0), $"no {what} is pinned");

    /// <summary>The kernel image package of a Debian architecture.</summary>
    public PinnedPackage Kernel(string debianArch) =>
        Find(p => p.Name.StartsWith("linux-image-", StringComparison.Ordinal) && p.Architecture == debianArch, $"linux-image-* package for {debianArch}");

    /// <summary>The kernel's release (uname -r) for a Debian architecture, e.g. 6.1.0-57-arm64.</summary>
    public string KernelRelease(string debianArch) => Kernel(debianArch).Name["linux-image-".Length..];
}
