using Jailhouse.Config;

namespace Jailhouse.Debian;

/// <summary>
/// Target packages from Debian: downloaded once with `apt-get download` at the pinned version,
/// verified against the pinned sha256, kept in a cache directory so rebuilds work offline, and
/// extracted with `dpkg-deb -x`.
/// </summary>
public sealed class PackageCache(string directory)
{
    public string Directory { get; } = directory;

    /// <summary>$JAILHOUSE_DOWNLOADS, else ~/.cache/jailhouse/debs: outside the work tree, so fresh clones reuse it.</summary>
    public static PackageCache Default()
    {
        string? configured = Environment.GetEnvironmentVariable("JAILHOUSE_DOWNLOADS");
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(home, ".cache");
        return new PackageCache(configured is { Length: > 0 } ? configured : Path.Combine(cache, "jailhouse", "debs"));
    }

    /// <summary>The verified .deb of <paramref name="package"/>, downloading it when it is not cached.</summary>
    public string Fetch(PinnedPackage package)
    {
        System.IO.Directory.CreateDirectory(Directory);
        string cached = Path.Combine(Directory, package.FileName);
        if (File.Exists(cached))
        {
            string actual = Sha256(cached);
            if (actual == package.Sha256)
                return cached;
            // A corrupt or stale cache entry: fetch again rather than fail forever.
            File.Delete(cached);
        }

        string temporary = Path.Combine(Directory, $".download-{Environment.ProcessId}-{package.Name}");
        System.IO.Directory.CreateDirectory(temporary);
        try
        {
            var (exit, output) = Run("apt-get", temporary, "download", "-q", $"{package.Name}:{package.Architecture}={package.Version}");
            if (exit != 0)
                throw new ConfigException(package.Origin,
                    $"apt-get download {package} failed (exit {exit}): {output.Trim()}\n" +
                    "Is the architecture added (dpkg --add-architecture) and the package list current (apt-get update)? " +
                    "If Debian no longer serves this version, pin the current one with its sha256.");
            string downloaded = Path.Combine(temporary, package.FileName);
            if (!File.Exists(downloaded))
                throw new ConfigException(package.Origin, $"apt-get download {package} did not produce {package.FileName}");
            string sha = Sha256(downloaded);
            if (sha != package.Sha256)
                throw new ConfigException(package.Origin,
                    $"sha256 mismatch for {package}: the lock file pins {package.Sha256}, the download has {sha}; refusing it");
            File.Move(downloaded, cached, overwrite: true);
            return cached;
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
        var (exit, output) = Run("dpkg-deb", temporary, "-x", deb, temporary);
        if (exit != 0)
            throw new ConfigException(package.Origin, $"dpkg-deb -x {deb} failed (exit {exit}): {output.Trim()}");
        File.WriteAllText(Path.Combine(temporary, ".extracted-" + package.Sha256), package + "\n");
        if (System.IO.Directory.Exists(full))
            System.IO.Directory.Delete(full, recursive: true);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        System.IO.Directory.Move(temporary, full);
        return destination;
    }

    public static string Sha256(string path) => FileHash.Sha256(path);

    private static (int Exit, string Output) Run(string program, string workingDirectory, params string[] arguments)
    {
        var result = ExternalTool.Run(program, arguments, workingDirectory);
        return (result.ExitCode, result.Output);
    }
}
