using System.Text;
using System.Text.RegularExpressions;

namespace Jailhouse.Debian;

/// <summary>How pins the cache lacks and the archive no longer serves are treated.</summary>
public enum ResolveMode
{
    /// <summary>Replaced by the newest served version of the same package family, with a warning.</summary>
    Default,
    /// <summary>Refused: exactly the pinned versions and sha256, or nothing.</summary>
    Locked,
}

/// <summary>A pin that could not be had, and what is used instead.</summary>
public sealed record Substitution(PinnedPackage Pinned, PinnedPackage Used, string Why)
{
    public override string ToString() => $"{Pinned.Name}:{Pinned.Architecture} {Pinned.Version} -> " +
        (Used.Name == Pinned.Name ? Used.Version : $"{Used.Name} {Used.Version}") + $" ({Why})";
}

/// <summary>The packages a build is made from, and the substitutions that made them differ from the lock.</summary>
public sealed record ResolvedPackages(IReadOnlyList<PinnedPackage> Packages, IReadOnlyList<Substitution> Substitutions)
{
    /// <summary>The one warning that lists every substitution, or null when the lock was used as it is.</summary>
    public string? Warning(string lockFile) => Substitutions.Count == 0 ? null :
        $"{lockFile}: warning: {Plural(Substitutions.Count, "pinned package is", "pinned packages are")} neither cached nor served any more; " +
        "using the newest served version of the same family instead (--locked refuses this; " +
        $"{PackageResolver.RefreshCommand} refreshes the lock):\n" +
        string.Concat(Substitutions.Select(s => $"  {s}\n"));

    internal static string Plural(int count, string one, string many) => $"{count} {(count == 1 ? one : many)}";
}

/// <summary>
/// Decides which .debs a build uses. A pin is usable when the cache holds it with the pinned
/// sha256 or the archive's index lists it with that sha256; a different sha256 is refused in
/// every mode. Debian drops superseded versions every few weeks, so in the default mode a pin
/// that is neither cached nor served is replaced within its family: a kernel image by the newest
/// of the same flavour and series (a new ABI), the kernel's headers, kbuild and source by the
/// versions that match the kernel actually used (its Debian version, else its upstream version),
/// anything else by the newest version of the same name.
/// </summary>
public sealed partial class PackageResolver(PackageCache cache, AptArchive archive)
{
    /// <summary>The one command that rewrites recipes/target-packages.lock to what the archive serves now.</summary>
    public const string RefreshCommand = "`./build.sh --target=LockUpdate` (jailhouse packages lock --update)";

    [GeneratedRegex(@"^linux-image-(?<series>\d+\.\d+)\.\d+-(?<abi>\d+)-(?<flavour>[a-z0-9][a-z0-9-]*)$")]
    private static partial Regex KernelImage();

    private static bool IsKernelImage(PinnedPackage p) => KernelImage().IsMatch(p.Name);

    /// <summary>Packages built from the kernel's source package: headers, kbuild, the source itself.</summary>
    private static bool FollowsKernel(PinnedPackage p) =>
        p.Name.StartsWith("linux-headers-", StringComparison.Ordinal) || p.Name.StartsWith("linux-kbuild-", StringComparison.Ordinal)
        || p.Name.StartsWith("linux-source-", StringComparison.Ordinal);

    public ResolvedPackages Resolve(IReadOnlyList<PinnedPackage> pins, ResolveMode mode, string lockFile)
    {
        var cached = pins.Where(cache.Holds).ToHashSet();
        // The index is read only for what the cache lacks: a fully cached lock needs no apt-cache.
        archive.Load(pins.Where(p => !cached.Contains(p)).Select(p => (p.Name, p.Architecture)));
        var usable = pins.ToDictionary(p => p, p => cached.Contains(p) || IsServed(p));
        var stale = pins.Where(p => !usable[p]).ToList();
        if (stale.Count == 0)
            return new ResolvedPackages(pins, []);
        if (mode == ResolveMode.Locked)
            throw new InputException(new SourceLocation(lockFile, 0, 0), StaleMessage(stale));

        // A kernel that moves takes every kernel along (one ABI for headers-common) and, through
        // FollowKernel, the headers, kbuild and source.
        bool kernelsMove = stale.Any(IsKernelImage);
        var resolved = new List<PinnedPackage>();
        var substitutions = new List<Substitution>();
        var kernels = new List<(PinnedPackage Pinned, PinnedPackage Used)>();
        foreach (var pin in pins.Where(IsKernelImage))
        {
            var used = kernelsMove ? NewestKernel(pin) : pin;
            kernels.Add((pin, used));
        }
        archive.Load(pins.Where(FollowsKernel).Select(p => (Renamed(p.Name, kernels), p.Architecture)));
        foreach (var pin in pins)
        {
            PinnedPackage used;
            string why;
            if (IsKernelImage(pin))
            {
                used = kernels.Single(k => k.Pinned == pin).Used;
                why = "the newest kernel of the same flavour";
            }
            else if (FollowsKernel(pin) && kernels.Count > 0)
            {
                used = FollowKernel(pin, kernels, keepUsable: usable[pin]);
                why = $"follows the kernel {KernelVersion(kernels)}";
            }
            else
            {
                used = usable[pin] ? pin : Newest(pin, pin.Name);
                why = "the newest of the same name";
            }
            resolved.Add(used);
            if (used != pin)
                substitutions.Add(new Substitution(pin, used, why));
        }
        return new ResolvedPackages(resolved, substitutions);
    }

    /// <summary>What the lock would pin if it were written now: every package at the newest served version of its family.</summary>
    public IReadOnlyList<PinnedPackage> Newest(IReadOnlyList<PinnedPackage> pins)
    {
        archive.Load(pins.Select(p => (p.Name, p.Architecture)));
        var kernels = pins.Where(IsKernelImage).Select(k => (Pinned: k, Used: NewestKernel(k))).ToList();
        archive.Load(pins.Where(FollowsKernel).Select(p => (Renamed(p.Name, kernels), p.Architecture)));
        return pins.Select(pin =>
            IsKernelImage(pin) ? kernels.Single(k => k.Pinned == pin).Used
            : FollowsKernel(pin) && kernels.Count > 0 ? FollowKernel(pin, kernels, keepUsable: false)
            : Newest(pin, pin.Name)).ToList();
    }

    /// <summary>Listed by the index with the pinned sha256; a different sha256 is refused (as a cached file with one is).</summary>
    private bool IsServed(PinnedPackage pin)
    {
        var served = archive.Find(pin.Name, pin.Architecture, pin.Version);
        if (served is null)
            return false;
        if (served.Sha256 != pin.Sha256)
            throw new InputException(pin.Origin,
                $"the archive serves {pin} with sha256 {served.Sha256}, the lock pins {pin.Sha256}: refusing it");
        return true;
    }

    private PinnedPackage NewestKernel(PinnedPackage pin)
    {
        var wanted = KernelImage().Match(pin.Name);
        string series = wanted.Groups["series"].Value, flavour = wanted.Groups["flavour"].Value;
        var names = archive.NamesStartingWith($"linux-image-{series}.")
            .Where(name => KernelImage().Match(name) is { Success: true } m && m.Groups["series"].Value == series && m.Groups["flavour"].Value == flavour)
            .ToList();
        archive.Load(names.Select(name => (name, pin.Architecture)));
        var newest = names.SelectMany(name => archive.Versions(name, pin.Architecture))
            .MaxBy(p => p.Version, DebianVersion.Comparer)
            ?? throw new InputException(pin.Origin, $"no linux-image-{series}.*-{flavour} for {pin.Architecture} is served: nothing can replace {pin}");
        return Pin(newest, pin);
    }

    /// <summary>
    /// The package of <paramref name="pin"/>'s family that matches the kernel used: its name with
    /// the kernel's new ABI, at the kernel's Debian version, else at the newest Debian revision
    /// of the kernel's upstream version. A usable pin that already matches is kept.
    /// </summary>
    private PinnedPackage FollowKernel(PinnedPackage pin, List<(PinnedPackage Pinned, PinnedPackage Used)> kernels, bool keepUsable)
    {
        string name = Renamed(pin.Name, kernels);
        string version = KernelVersion(kernels);
        string upstream = DebianVersion.Upstream(version);
        if (keepUsable && name == pin.Name && DebianVersion.Upstream(pin.Version) == upstream)
            return pin;
        var served = archive.Versions(name, pin.Architecture);
        var match = served.FirstOrDefault(p => p.Version == version)
            ?? served.FirstOrDefault(p => DebianVersion.Upstream(p.Version) == upstream)
            ?? throw new InputException(pin.Origin,
                $"no {name}:{pin.Architecture} of the kernel's upstream version {upstream} is served (served: {Listed(served)}); nothing can replace {pin}");
        return Pin(match, pin);
    }

    /// <summary>A kernel-family package's name with each kernel's old ABI replaced by the ABI of the kernel used.</summary>
    private static string Renamed(string name, List<(PinnedPackage Pinned, PinnedPackage Used)> kernels)
    {
        foreach (var (pinned, used) in kernels)
            name = name.Replace(Abi(pinned.Name), Abi(used.Name), StringComparison.Ordinal);
        return name;
    }

    /// <summary>The Debian version of the kernel source the kernels used come from (the newest, should they differ).</summary>
    private static string KernelVersion(List<(PinnedPackage Pinned, PinnedPackage Used)> kernels) =>
        kernels.Select(k => k.Used.Version).Max(DebianVersion.Comparer)!;

    /// <summary>6.1.0-56 of linux-image-6.1.0-56-arm64.</summary>
    private static string Abi(string kernelImage)
    {
        var m = KernelImage().Match(kernelImage);
        return kernelImage["linux-image-".Length..(m.Groups["flavour"].Index - 1)];
    }

    private PinnedPackage Newest(PinnedPackage pin, string name)
    {
        var served = archive.Versions(name, pin.Architecture);
        return served.Count > 0 ? Pin(served[0], pin)
            : throw new InputException(pin.Origin, $"{name}:{pin.Architecture} is not served at all: nothing can replace {pin}");
    }

    private static PinnedPackage Pin(ServedPackage served, PinnedPackage origin) =>
        new(served.Name, served.Version, served.Architecture, served.Sha256, origin.Origin);

    private string StaleMessage(List<PinnedPackage> stale)
    {
        var text = new StringBuilder();
        text.Append(ResolvedPackages.Plural(stale.Count, "pinned package is", "pinned packages are"))
            .Append($" neither in the cache ({cache.Directory}) nor served by the archive; --locked uses exactly the pins:\n");
        foreach (var pin in stale)
            text.Append($"  {pin.Origin}: {pin} (served: {Listed(archive.Versions(pin.Name, pin.Architecture))})\n");
        text.Append($"Refresh the lock with {RefreshCommand}, or build without --locked to substitute them.");
        return text.ToString();
    }

    private static string Listed(IReadOnlyList<ServedPackage> served) =>
        served.Count == 0 ? "none" : string.Join(", ", served.Select(p => p.Version));
}
