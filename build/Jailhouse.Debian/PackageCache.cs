
namespace Jailhouse.Debian;

/// <summary>
/// Target packages from Debian: downloaded once with `apt-get download`, verified against their
/// sha256, kept in a cache directory so rebuilds work offline, and extracted with `dpkg-deb -x`.
/// A cached file whose sha256 is not the expected one is refused, never used or silently replaced:
/// it was changed after a verified download.
/// </summary>
public sealed class PackageCache(string directory, AptArchive? archive = null)
{
    public string Directory { get; } = directory;

    public AptArchive Archive { get; } = archive ?? AptArchive.System;

    /// <summary>Where packages extracted for tests and tools (not for a board) are kept, beside the .debs.</summary>
    public string ExtractedDirectory => Path.Combine(Directory, "extracted");

    /// <summary>$JAILHOUSE_DOWNLOADS, else ~/.cache/jailhouse/debs: outside the work tree, so fresh clones reuse it.</summary>
    public static PackageCache Default()
    {
        string? configured = Environment.GetEnvironmentVariable("JAILHOUSE_DOWNLOADS");
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(home, ".cache");
        return new PackageCache(configured is { Length: > 0 } ? configured : Path.Combine(cache, "jailhouse", "debs"));
    }

    public string CachedPath(PinnedPackage package) => Path.Combine(Directory, package.FileName);

    /// <summary>True when the cache holds <paramref name="package"/> with its sha256; a file with another sha256 is refused.</summary>
    public bool Holds(PinnedPackage package)
    {
        string cached = CachedPath(package);
        if (!File.Exists(cached))
            return false;
        string actual = VerifiedSha256(cached);
        if (actual != package.Sha256)
            throw new InputException(package.Origin,
                $"the cached {cached} has sha256 {actual}, expected {package.Sha256} for {package}: refusing it " +
                "(it changed after a verified download; delete it to download it again)");
        return true;
    }

    /// <summary>The verified .deb of <paramref name="package"/>, downloading it when it is not cached.</summary>
    public string Fetch(PinnedPackage package) => FetchAll([package])[0];

    /// <summary>
    /// The verified .debs of <paramref name="packages"/>, in order; those not cached are downloaded
    /// one after another with progress ("n/m", size, bytes per second) on standard error.
    /// </summary>
    public IReadOnlyList<string> FetchAll(IReadOnlyList<PinnedPackage> packages)
    {
        var missing = packages.Where(p => !Holds(p)).Distinct().ToList();
        for (int i = 0; i < missing.Count; i++)
            Download(missing[i], i + 1, missing.Count);
        return packages.Select(CachedPath).ToList();
    }

    private void Download(PinnedPackage package, int number, int count)
    {
        System.IO.Directory.CreateDirectory(Directory);
        string temporary = Path.Combine(Directory, $".download-{Environment.ProcessId}-{package.Name}");
        System.IO.Directory.CreateDirectory(temporary);
        try
        {
            long size = Archive.Find(package.Name, package.Architecture, package.Version)?.Size ?? 0;
            ToolResult result;
            using (new DownloadProgress($"fetch {number}/{count} {package}", size, temporary))
                result = Archive.Download(package.Name, package.Architecture, package.Version, temporary);
            if (result.ExitCode != 0)
                throw new InputException(package.Origin,
                    $"apt-get download {package} failed (exit {result.ExitCode}): {result.Output.Trim()}\n" +
                    "Is the architecture added (dpkg --add-architecture) and the package list current (apt-get update)?");
            string downloaded = Path.Combine(temporary, package.FileName);
            if (!File.Exists(downloaded))
                throw new InputException(package.Origin, $"apt-get download {package} did not produce {package.FileName}");
            string sha = Sha256(downloaded);
            if (sha != package.Sha256)
                throw new InputException(package.Origin,
                    $"sha256 mismatch for {package}: the lock file pins {package.Sha256}, the download has {sha}; refusing it");
            File.Move(downloaded, CachedPath(package), overwrite: true);
        }
        finally
        {
            System.IO.Directory.Delete(temporary, recursive: true);
        }
    }

    /// <summary>
    /// Extracts <paramref name="package"/> into <paramref name="destination"/> (replaced whole). A
    /// stamp names the sha256, so an unchanged package is not extracted again.
    /// </summary>
    public string Extract(PinnedPackage package, string destination)
    {
        string stamp = Path.Combine(destination, ".extracted-" + package.Sha256);
        if (File.Exists(stamp))
            return destination;
        string deb = Fetch(package);
        string full = Path.GetFullPath(destination);
        string temporary = full + $".tmp-{Environment.ProcessId}";
        if (System.IO.Directory.Exists(temporary))
            System.IO.Directory.Delete(temporary, recursive: true);
        System.IO.Directory.CreateDirectory(temporary);
        var result = ExternalTool.Run("dpkg-deb", ["-x", deb, temporary], temporary);
        if (result.ExitCode != 0)
            throw new InputException(package.Origin, $"dpkg-deb -x {deb} failed (exit {result.ExitCode}): {result.Output.Trim()}");
        File.WriteAllText(Path.Combine(temporary, ".extracted-" + package.Sha256), package + "\n");
        if (System.IO.Directory.Exists(full))
            System.IO.Directory.Delete(full, recursive: true);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        System.IO.Directory.Move(temporary, full);
        return destination;
    }

    /// <summary>Extracts every package not yet extracted, downloading the missing ones first (with one n/m count).</summary>
    public IReadOnlyList<string> ExtractAll(IReadOnlyList<(PinnedPackage Package, string Destination)> wanted)
    {
        FetchAll(wanted.Where(w => !File.Exists(Path.Combine(w.Destination, ".extracted-" + w.Package.Sha256))).Select(w => w.Package).ToList());
        return wanted.Select(w => Extract(w.Package, w.Destination)).ToList();
    }

    public static string Sha256(string path) => FileHash.Sha256(path);

    /// <summary>
    /// The sha256 of a cached .deb, remembered in FILE.sha256 with the file's size and modification
    /// time, so an unchanged cache is not hashed again on every run (hundreds of MB). As git does
    /// with its index, a file modified within the last seconds is "racy" (a change in the same
    /// clock tick keeps its time) and is hashed without remembering.
    /// </summary>
    private static string VerifiedSha256(string path)
    {
        var info = new FileInfo(path);
        string memo = path + ".sha256";
        string key = $"{info.Length} {info.LastWriteTimeUtc.Ticks} ";
        if (File.Exists(memo) && File.ReadAllText(memo) is { } text && text.StartsWith(key, StringComparison.Ordinal) && text.Length == key.Length + 65)
            return text[key.Length..^1];
        string sha = Sha256(path);
        if (DateTime.UtcNow - info.LastWriteTimeUtc > TimeSpan.FromSeconds(2))
        {
            try
            {
                AtomicFile.Write(memo, System.Text.Encoding.ASCII.GetBytes(key + sha + "\n"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A read-only cache is hashed every time.
            }
        }
        return sha;
    }
}
