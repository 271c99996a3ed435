using Jailhouse.Debian;

namespace Jailhouse.Tests.Packages;

/// <summary>
/// A Debian archive made by a test: small .debs built with dpkg-deb, indexed by dpkg-scanpackages,
/// served as a `file:` source through a private apt configuration (its own sources list, lists,
/// cache and an empty dpkg status), so apt-cache and apt-get download see this archive alone and
/// nothing of the machine's. <see cref="ConfigFile"/> is for APT_CONFIG, <see cref="Archive"/> for
/// the library.
/// </summary>
internal sealed class LocalAptRepository
{
    private readonly string root;
    private string Pool => Path.Combine(root, "repo");

    public LocalAptRepository(string root)
    {
        this.root = root;
        foreach (string directory in new[] { "repo", "unserved", "lists/partial", "cache/archives/partial", "parts", "preferences" })
            Directory.CreateDirectory(Path.Combine(root, directory));
        File.WriteAllText(Path.Combine(root, "status"), "");
        File.WriteAllText(Path.Combine(root, "sources.list"), $"deb [trusted=yes] file:{Pool} ./\n");
        File.WriteAllText(ConfigFile, string.Concat(Options.Select(o => o.Replace("=", " \"", StringComparison.Ordinal) + "\";\n")));
    }

    public string ConfigFile => Path.Combine(root, "apt.conf");

    /// <summary>The settings that make apt see this archive only.</summary>
    public IReadOnlyList<string> Options =>
    [
        $"Dir::Etc::SourceList={Path.Combine(root, "sources.list")}",
        $"Dir::Etc::SourceParts={Path.Combine(root, "parts")}",
        $"Dir::Etc::Preferences={Path.Combine(root, "preferences", "none")}",
        $"Dir::Etc::PreferencesParts={Path.Combine(root, "preferences")}",
        $"Dir::State::Lists={Path.Combine(root, "lists")}",
        $"Dir::State::status={Path.Combine(root, "status")}",
        $"Dir::Cache={Path.Combine(root, "cache")}",
        "Acquire::Languages=none",
    ];

    public AptArchive Archive => new(Options);

    /// <summary>Builds NAME_VERSION_ARCH.deb; served ones go into the archive, the others only exist (as pins the archive dropped).</summary>
    public PinnedPackage Add(string name, string version, string architecture, bool served = true)
    {
        string tree = Path.Combine(root, "build", $"{name}_{version}_{architecture}");
        Directory.CreateDirectory(Path.Combine(tree, "DEBIAN"));
        Directory.CreateDirectory(Path.Combine(tree, "usr", "share", name));
        File.WriteAllText(Path.Combine(tree, "usr", "share", name, "version"), version + "\n");
        File.WriteAllText(Path.Combine(tree, "DEBIAN", "control"),
            $"Package: {name}\nVersion: {version}\nArchitecture: {architecture}\nMaintainer: Test <test@localhost>\nDescription: test package\n");
        var package = new PinnedPackage(name, version, architecture, new string('0', 64), new SourceLocation("lock", 0, 0));
        string deb = Path.Combine(served ? Pool : Path.Combine(root, "unserved"), package.FileName);
        Tool.Ok("dpkg-deb", "--root-owner-group", "-Zgzip", "--build", tree, deb);
        return package with { Sha256 = PackageCache.Sha256(deb) };
    }

    /// <summary>Indexes the archive and reads the index into the private lists (apt-get update).</summary>
    public void Publish()
    {
        string index = Tool.Stdout("bash", "-c", $"cd '{Pool}' && dpkg-scanpackages --multiversion . /dev/null 2>/dev/null");
        File.WriteAllText(Path.Combine(Pool, "Packages"), index);
        var result = ExternalTool.Run("apt-get", [.. Options.SelectMany(o => new[] { "-o", o }), "update", "-q"]);
        Assert.True(result.ExitCode == 0, $"apt-get update of the local archive failed:\n{result.Output}");
    }
}
