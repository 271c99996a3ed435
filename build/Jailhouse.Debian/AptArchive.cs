
namespace Jailhouse.Debian;

/// <summary>One .deb the archive serves, as its package index describes it.</summary>
public sealed record ServedPackage(string Name, string Version, string Architecture, string Sha256, long Size)
{
    public override string ToString() => $"{Name}:{Architecture}={Version}";
}

/// <summary>
/// The Debian archive as apt sees it: what the package index (apt-cache) serves, and downloads
/// (apt-get download). <paramref name="aptOptions"/> are extra `-o KEY=VALUE` settings for both
/// programs, e.g. a private sources list and state directory in tests; the index is read as the
/// last `apt-get update` left it, so resolving works offline once the lists are there.
/// </summary>
public sealed class AptArchive(IReadOnlyList<string> aptOptions)
{
    /// <summary>The machine's own apt configuration.</summary>
    public static AptArchive System { get; } = new([]);

    private IEnumerable<string> Options => aptOptions.SelectMany(o => new[] { "-o", o });

    // Reading the index costs apt-cache a second or more per call: each (name, arch) is asked
    // once, and many at a time through Load.
    private readonly Dictionary<(string Name, string Architecture), IReadOnlyList<ServedPackage>> known = [];

    /// <summary>Every version of NAME for ARCH ("all" for architecture-independent packages) the index lists, newest first.</summary>
    public IReadOnlyList<ServedPackage> Versions(string name, string architecture)
    {
        Load([(name, architecture)]);
        return known[(name, architecture)];
    }

    /// <summary>Reads the index entries of every (name, architecture) not read yet with one apt-cache call.</summary>
    public void Load(IEnumerable<(string Name, string Architecture)> packages)
    {
        var wanted = packages.Distinct().Where(p => !known.ContainsKey(p)).ToList();
        if (wanted.Count == 0)
            return;
        // apt-cache prints what it knows and says "No packages found" for the rest (exit 100 when it knows none).
        var result = ExternalTool.Run("apt-cache", [.. Options, "show", .. wanted.Select(p => $"{p.Name}:{p.Architecture}")]);
        var served = ParseStanzas(result.ExitCode == 0 ? result.StandardOutput : "").ToList();
        foreach (var key in wanted)
            known[key] = served
                .Where(p => p.Name == key.Name && p.Architecture == key.Architecture)
                .DistinctBy(p => (p.Version, p.Sha256))
                .OrderByDescending(p => p.Version, DebianVersion.Comparer)
                .ToList();
    }

    /// <summary>The version <paramref name="version"/> of NAME for ARCH if the index lists it.</summary>
    public ServedPackage? Find(string name, string architecture, string version) =>
        Versions(name, architecture).FirstOrDefault(p => p.Version == version);

    /// <summary>Every package name in the index that starts with <paramref name="prefix"/>, sorted.</summary>
    public IReadOnlyList<string> NamesStartingWith(string prefix)
    {
        if (names.TryGetValue(prefix, out var listed))
            return listed;
        var result = ExternalTool.Run("apt-cache", [.. Options, "pkgnames", prefix]);
        return names[prefix] = result.ExitCode != 0 ? []
            : result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    private readonly Dictionary<string, IReadOnlyList<string>> names = [];

    /// <summary>Runs apt-get download of NAME:ARCH=VERSION in <paramref name="directory"/>.</summary>
    public ToolResult Download(string name, string architecture, string version, string directory) =>
        ExternalTool.Run("apt-get", [.. Options, "download", "-q", $"{name}:{architecture}={version}"], directory);

    /// <summary>Reads the stanzas of `apt-cache show` (RFC 822-like fields, blank-line separated).</summary>
    internal static IEnumerable<ServedPackage> ParseStanzas(string text)
    {
        foreach (string stanza in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (string line in stanza.Split('\n'))
            {
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0 && !char.IsWhiteSpace(line[0]))
                    fields.TryAdd(line[..colon], line[(colon + 1)..].Trim());
            }
            if (fields.TryGetValue("Package", out var name) && fields.TryGetValue("Version", out var version)
                && fields.TryGetValue("Architecture", out var arch) && fields.TryGetValue("SHA256", out var sha))
                yield return new ServedPackage(name, version, arch, sha,
                    fields.TryGetValue("Size", out var size) && long.TryParse(size, out long bytes) ? bytes : 0);
        }
    }
}
