using System.CommandLine;
using Jailhouse.Config;
using Jailhouse.Debian;

namespace Jailhouse.Cli;

/// <summary>`jailhouse packages fetch|extract`: pinned Debian target packages, verified and cached.</summary>
internal static class PackageCommands
{
    public static Command Create()
    {
        var packages = new Command("packages", "Fetch and extract the pinned Debian target packages (recipes/target-packages.lock).");
        var lockOption = new Option<string>("--lock") { Description = "Lock file of pinned packages.", DefaultValueFactory = _ => "recipes/target-packages.lock" };

        var names = new Argument<string[]>("NAME:ARCH") { Description = "Packages to fetch (default: all).", Arity = ArgumentArity.ZeroOrMore };
        var fetch = new Command("fetch", "Download (or take from the cache) and verify pinned packages; prints each .deb's path.") { lockOption, names };
        fetch.SetAction(parse =>
        {
            var cache = PackageCache.Default();
            foreach (var package in Select(parse.GetRequiredValue(lockOption), parse.GetValue(names) ?? []))
                Console.WriteLine(cache.Fetch(package));
            return Program.Success;
        });

        var name = new Argument<string>("NAME:ARCH") { Description = "The package to extract." };
        var into = new Option<string>("--output", "-o") { Description = "Directory to extract into (replaced).", Required = true };
        var extract = new Command("extract", "Extract one pinned package (dpkg-deb -x) into a directory.") { lockOption, name, into };
        extract.SetAction(parse =>
        {
            var package = Select(parse.GetRequiredValue(lockOption), [parse.GetRequiredValue(name)]).Single();
            Console.WriteLine(PackageCache.Default().Extract(package, parse.GetRequiredValue(into)));
            return Program.Success;
        });

        packages.Subcommands.Add(fetch);
        packages.Subcommands.Add(extract);
        return packages;
    }

    private static IEnumerable<PinnedPackage> Select(string lockFile, string[] wanted)
    {
        var pinned = PackageLock.ReadFile(lockFile);
        if (wanted.Length == 0)
            return pinned;
        return wanted.Select(w =>
        {
            string[] parts = w.Split(':');
            return pinned.FirstOrDefault(p => p.Name == parts[0] && (parts.Length == 1 || p.Architecture == parts[1]))
                ?? throw new ConfigException(new SourceLocation(lockFile, 0, 0), $"\"{w}\" is not pinned in the lock file");
        }).ToList();
    }
}
