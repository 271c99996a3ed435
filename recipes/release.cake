// The release: every board built, packed as reproducible tarballs, described by a manifest;
// and the check that two builds in different places give the same bytes.
DirectoryPath ReleaseDirectory => ArtifactsRoot.Combine("release");

Task("Release")
    .Description("Build every board; write artifacts/release/<board>.tar.gz and manifest.json.")
    .IsDependentOn("Configs")
    .IsDependentOn("Packages")
    .Does(() =>
    {
        EnsureDirectoryExists(ReleaseDirectory);
        var listed = new List<string>();
        foreach (var name in Boards())
        {
            AssembleBoard(name);
            BuildImages(name);
            var images = BoardArtifacts(name).Combine("images");
            foreach (var script in GetFiles($"bsp/{name}/*.sh"))
                CopyFile(script, images.CombineWithFilePath(script.GetFilename()));
            var tarball = ReleaseDirectory.CombineWithFilePath($"{name}.tar.gz");
            Jailhouse(Forced("release", "tarball", images.FullPath, "--prefix", name, "-o", tarball.FullPath));
            listed.Add(images.FullPath);
            listed.Add(tarball.FullPath);
            if (DirectoryExists(BoardArtifacts(name).Combine("configs")))
                listed.Add(BoardArtifacts(name).Combine("configs").FullPath);
        }
        foreach (var rid in publishedClis)
            listed.Add(NativeCli(rid).FullPath);
        var manifest = ReleaseDirectory.CombineWithFilePath("manifest.json");
        Jailhouse(new[] { "release", "manifest", "--artifacts", ArtifactsRoot.FullPath, "--lock", ResolvedLock.FullPath, "-o", manifest.FullPath }.Concat(listed).ToArray());
        Information($"release: {manifest}");
    });

Task("VerifyReproducible")
    .Description("Build the release twice (other directories, umasks and times) and compare every byte (jailhouse release verify; diffoscope shows differences).")
    .IsDependentOn("Cli")
    .Does(() =>
    {
        var root = MakeAbsolute(Directory(System.IO.Path.GetTempPath())).Combine($"jailhouse-repro-{System.Environment.ProcessId}");
        var builds = new[] { (Dir: root.Combine("first/jailhouse"), Umask: "022"), (Dir: root.Combine("second-build/tree"), Umask: "077") };
        bool keep = false;
        try
        {
            foreach (var (dir, umask) in builds)
            {
                EnsureDirectoryExists(dir.GetParent());
                Run("git", new ProcessArgumentBuilder().Append("clone").Append("--quiet").AppendQuoted(RepositoryRoot.FullPath).AppendQuoted(dir.FullPath));
                Run("bash", new ProcessArgumentBuilder().Append("-c").AppendQuoted($"umask {umask} && dotnet tool restore >/dev/null && dotnet cake build.cake --target=Release"), dir.FullPath);
            }
            // jailhouse release verify compares every file (diffoscope shows differences); on a
            // difference both builds stay for a look.
            var jailhouse = new ProcessArgumentBuilder().AppendQuoted(JailhouseDll.FullPath).Append("release").Append("verify")
                .AppendQuoted(builds[0].Dir.Combine("artifacts/release").FullPath).AppendQuoted(builds[1].Dir.Combine("artifacts/release").FullPath)
                .Append("--diffoscope");
            keep = StartProcess("dotnet", new ProcessSettings { Arguments = jailhouse }) != 0;
            if (keep)
                throw new CakeException($"not reproducible (both builds kept in {root})");
        }
        finally
        {
            if (!keep && DirectoryExists(root))
                DeleteDirectory(root, new DeleteDirectorySettings { Recursive = true, Force = true });
        }
    });
