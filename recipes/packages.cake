// The Debian target packages a build uses: recipes/target-packages.lock resolved once per run
// into artifacts/packages.lock (`jailhouse packages resolve`), which every later step reads.
// Release and VerifyReproducible (and --locked on any target) take exactly the pins; every other
// target substitutes pins Debian no longer serves, with one warning.
bool LockedPackages => HasArgument("locked") || target == "Release" || target == "VerifyReproducible";

FilePath ResolvedLock => ArtifactsRoot.CombineWithFilePath("packages.lock");

Task("Packages")
    .Description("Resolve recipes/target-packages.lock against the cache and the archive into artifacts/packages.lock (--locked: exact pins only).")
    .IsDependentOn("Cli")
    .Does(() =>
    {
        var arguments = new List<string> { "packages", "resolve", "--repository", RepositoryRoot.FullPath, "-o", ResolvedLock.FullPath };
        if (LockedPackages)
            arguments.Add("--locked");
        Jailhouse(arguments.ToArray());
    });

Task("LockUpdate")
    .Description("Rewrite recipes/target-packages.lock to the newest versions Debian serves now, with their sha256s.")
    .IsDependentOn("Cli")
    .Does(() => Jailhouse("packages", "lock", "--update", "--repository", RepositoryRoot.FullPath));
