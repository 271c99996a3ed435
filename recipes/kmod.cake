// The driver (kmod/): jailhouse.ko built against the pinned kernel's Debian headers, per
// Debian architecture, by `jailhouse kmod build` (skipped when kmod/, headers and compilers are
// unchanged); board assembly installs it into the initramfs.
FilePath KernelModule(string debianArch) => ArtifactsRoot.CombineWithFilePath($"kmod/{debianArch}/jailhouse.ko");

var builtKernelModules = new HashSet<string>();

void BuildKernelModule(string debianArch)
{
    if (builtKernelModules.Add(debianArch))
        Jailhouse(Forced("kmod", "build", "--arch", debianArch, "--repository", RepositoryRoot.FullPath, "--lock", ResolvedLock.FullPath, "-o", KernelModule(debianArch).FullPath));
}

Task("Kmod")
    .Description("Build jailhouse.ko for arm64 (cross) and amd64 against the pinned kernel headers.")
    .IsDependentOn("Packages")
    .Does(() =>
    {
        BuildKernelModule("arm64");
        BuildKernelModule("amd64");
    });
