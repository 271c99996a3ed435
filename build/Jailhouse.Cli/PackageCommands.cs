using System.CommandLine;
using System.Text;
using Jailhouse.Config;
using Jailhouse.Debian;

namespace Jailhouse.Cli;

/// <summary>
/// `jailhouse packages resolve|lock|fetch|extract`: the Debian target packages of
/// recipes/target-packages.lock, resolved against the cache and the archive, verified and cached.
/// </summary>
internal static class PackageCommands
{
    /// <summary>--lock of every command that uses target packages: a lock `packages resolve` wrote, used as it is.</summary>
    public static Option<string?> ResolvedLockOption() => new("--lock")
    {
        Description = "A resolved lock (`jailhouse packages resolve -o FILE`), used as it is; " +
            "default: recipes/target-packages.lock resolved now (pins no longer served are substituted, with a warning).",
    };

    public static Command Create()
    {
        var packages = new Command("packages", "Resolve, fetch and extract the Debian target packages (recipes/target-packages.lock).");
        packages.Subcommands.Add(Resolve());
        packages.Subcommands.Add(Lock());
        packages.Subcommands.Add(Fetch());
        packages.Subcommands.Add(Extract());
        return packages;
    }

    private static Option<string> RepositoryOption() =>
        new("--repository") { Description = "Repository root (recipes/target-packages.lock).", DefaultValueFactory = _ => "." };

    private static Command Resolve()
    {
        var repository = RepositoryOption();
        var locked = new Option<bool>("--locked") { Description = "Exactly the pinned versions and sha256s: refuse pins that are neither cached nor served." };
        var output = new Option<string>("--output", "-o") { Description = "Where the resolved lock goes (same format, the versions actually used).", Required = true };
        var command = new Command("resolve",
            "Decide the packages a build uses: each pin from the cache or the archive; a pin neither has is replaced by the newest " +
            "of its family (warning), or refused with --locked.") { repository, locked, output };
        command.SetAction(parse =>
        {
            string lockFile = TargetPackages.ProjectLock(parse.GetRequiredValue(repository));
            var cache = PackageCache.Default();
            var resolved = new PackageResolver(cache, cache.Archive).Resolve(PackageLock.ReadFile(lockFile),
                parse.GetValue(locked) ? ResolveMode.Locked : ResolveMode.Default, lockFile);
            if (resolved.Warning(lockFile) is { } warning)
                Console.Error.Write(warning);
            string header = resolved.Substitutions.Count == 0
                ? $"Resolved from {Path.GetFileName(lockFile)}: every pin as it is."
                : $"Resolved from {Path.GetFileName(lockFile)}: {resolved.Substitutions.Count} substituted ({string.Join("; ", resolved.Substitutions)}).";
            AtomicFile.Write(parse.GetRequiredValue(output), Encoding.UTF8.GetBytes(PackageLock.Format(resolved.Packages, [header])));
            Console.WriteLine($"{parse.GetRequiredValue(output)}: {resolved.Packages.Count} packages, {resolved.Substitutions.Count} substituted");
            return Program.Success;
        });
        return command;
    }

    private static Command Lock()
    {
        var repository = RepositoryOption();
        var update = new Option<bool>("--update") { Description = "Rewrite the lock to the newest versions the archive serves now, with their sha256s.", Required = true };
        var command = new Command("lock", "Maintain recipes/target-packages.lock.") { repository, update };
        command.SetAction(parse =>
        {
            string lockFile = TargetPackages.ProjectLock(parse.GetRequiredValue(repository));
            string text = InputFiles.ReadText(lockFile, InputLimit.PackageLock);
            var pins = PackageLock.Read(text, lockFile);
            var cache = PackageCache.Default();
            var newest = new PackageResolver(cache, cache.Archive).Newest(pins);
            AtomicFile.Write(lockFile, Encoding.UTF8.GetBytes(PackageLock.Rewrite(text, newest)));
            foreach (var (old, now) in pins.Zip(newest).Where(p => p.First != p.Second))
                Console.WriteLine($"{old.Name}:{old.Architecture} {old.Version} -> {(now.Name == old.Name ? "" : now.Name + " ")}{now.Version}");
            Console.WriteLine($"{lockFile}: {pins.Zip(newest).Count(p => p.First != p.Second)} of {pins.Count} pins changed");
            return Program.Success;
        });
        return command;
    }

    private static Command Fetch()
    {
        var repository = RepositoryOption();
        var lockFile = ResolvedLockOption();
        var names = new Argument<string[]>("NAME:ARCH") { Description = "Packages to fetch (default: all).", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("fetch", "Download (or take from the cache) and verify target packages; prints each .deb's path.") { repository, lockFile, names };
        command.SetAction(parse =>
        {
            var cache = PackageCache.Default();
            var packages = TargetPackages.Load(parse.GetRequiredValue(repository), parse.GetValue(lockFile), cache);
            foreach (string deb in cache.FetchAll(Select(packages, parse.GetValue(names) ?? [])))
                Console.WriteLine(deb);
            return Program.Success;
        });
        return command;
    }

    private static Command Extract()
    {
        var repository = RepositoryOption();
        var lockFile = ResolvedLockOption();
        var name = new Argument<string>("NAME:ARCH") { Description = "The package to extract." };
        var into = new Option<string>("--output", "-o") { Description = "Directory to extract into (replaced).", Required = true };
        var command = new Command("extract", "Extract one target package (dpkg-deb -x) into a directory.") { repository, lockFile, name, into };
        command.SetAction(parse =>
        {
            var cache = PackageCache.Default();
            var packages = TargetPackages.Load(parse.GetRequiredValue(repository), parse.GetValue(lockFile), cache);
            var package = Select(packages, [parse.GetRequiredValue(name)]).Single();
            Console.WriteLine(cache.Extract(package, parse.GetRequiredValue(into)));
            return Program.Success;
        });
        return command;
    }

    private static IReadOnlyList<PinnedPackage> Select(TargetPackages packages, string[] wanted) =>
        wanted.Length == 0 ? packages.All
        : wanted.Select(w =>
        {
            string[] parts = w.Split(':');
            return packages.Find(p => p.Name == parts[0] && (parts.Length == 1 || p.Architecture == parts[1]), $"\"{w}\"");
        }).ToList();
}
