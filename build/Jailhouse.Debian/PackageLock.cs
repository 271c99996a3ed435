
namespace Jailhouse.Debian;

/// <summary>One pinned Debian package: name, exact version, architecture and the .deb's sha256.</summary>
public sealed record PinnedPackage(string Name, string Version, string Architecture, string Sha256, SourceLocation Origin)
{
    /// <summary>The file name apt-get download gives it (':' in epochs becomes %3a).</summary>
    public string FileName => $"{Name}_{Version.Replace(":", "%3a", StringComparison.Ordinal)}_{Architecture}.deb";

    public override string ToString() => $"{Name}:{Architecture}={Version}";
}

/// <summary>
/// Reads a lock file of pinned packages: one package a line, "NAME VERSION ARCH SHA256",
/// '#' starts a comment. Errors name file:line:column.
/// </summary>
public static class PackageLock
{
    public static IReadOnlyList<PinnedPackage> ReadFile(string path) => Read(InputFiles.ReadText(path, InputLimit.PackageLock), path);

    /// <summary>One package line, columns aligned as in recipes/target-packages.lock.</summary>
    public static string Line(PinnedPackage p) => $"{p.Name,-31} {p.Version,-23} {p.Architecture,-6} {p.Sha256}";

    /// <summary>A lock of <paramref name="packages"/> after <paramref name="comments"/> (each line gets a '#').</summary>
    public static string Format(IEnumerable<PinnedPackage> packages, IEnumerable<string> comments) =>
        string.Concat(comments.Select(c => $"# {c}\n")) + "# NAME                          VERSION                 ARCH   SHA256\n" +
        string.Concat(packages.Select(p => Line(p) + "\n"));

    /// <summary>
    /// <paramref name="text"/> with each package line replaced by its package in
    /// <paramref name="replacements"/> (same line, by <see cref="PinnedPackage.Origin"/>); comments stay.
    /// </summary>
    public static string Rewrite(string text, IEnumerable<PinnedPackage> replacements)
    {
        var byLine = replacements.ToDictionary(p => p.Origin.Line);
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
            if (byLine.TryGetValue(i + 1, out var package))
                lines[i] = Line(package);
        return string.Join('\n', lines);
    }

    public static IReadOnlyList<PinnedPackage> Read(string text, string file)
    {
        var packages = new List<PinnedPackage>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            int hash = line.IndexOf('#', StringComparison.Ordinal);
            string content = hash >= 0 ? line[..hash] : line;
            string[] fields = content.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0)
                continue;
            var where = new SourceLocation(file, i + 1, line.IndexOf(fields[0], StringComparison.Ordinal) + 1);
            if (fields.Length != 4)
                throw new InputException(where, $"expected \"NAME VERSION ARCH SHA256\", found {fields.Length} field(s)");
            string sha = fields[3];
            if (sha.Length != 64 || !sha.All(char.IsAsciiHexDigitLower))
                throw new InputException(new SourceLocation(file, i + 1, line.IndexOf(sha, StringComparison.Ordinal) + 1),
                    $"expected a sha256 of 64 lower-case hex digits, found \"{sha}\"");
            string key = $"{fields[0]}:{fields[2]}";
            if (seen.TryGetValue(key, out int firstLine))
                throw new InputException(where, $"{key} is pinned twice (first on line {firstLine})");
            seen[key] = i + 1;
            packages.Add(new PinnedPackage(fields[0], fields[1], fields[2], sha, where));
        }
        return packages;
    }
}
