using System.Text;
using Jailhouse.Binaries;
using Jailhouse.Boot;
using Jailhouse.Debian;

namespace Jailhouse.Tests.Driver;

/// <summary>`jailhouse kmod build`'s engine against Debian's headers: the module fits the resolved kernels and is the same bytes wherever it is built.</summary>
[Trait("Tier", "Images")]
public sealed class KmodBuildTests : TempDirectoryTest
{
    private static KmodBuilder Builder() => new(Paths.RepositoryRoot, TestPackages.Resolved, PackageCache.Default());

    private static string Modinfo(string module, string field) =>
        Tool.Stdout("modinfo", "-F", field, module).Trim();

    [Fact]
    public void HeaderPackagesMatchThePinnedKernels()
    {
        foreach (string arch in new[] { "arm64", "amd64" })
        {
            var packages = Builder().HeaderPackages(arch);
            string release = Builder().KernelRelease(arch);
            Assert.Equal($"linux-headers-{release}", packages[0].Name);
            string abi = release[..release.LastIndexOf('-')];
            Assert.Equal($"linux-headers-{abi}-common", packages[1].Name);
            Assert.Equal(($"linux-kbuild-{string.Join('.', abi.Split('.').Take(2))}", "amd64"), (packages[2].Name, packages[2].Architecture));
            // Headers and kernel come from the same source upload; kbuild at least from the same upstream version.
            var kernel = TestPackages.Resolved.Kernel(arch);
            Assert.All(packages.Take(2), p => Assert.Equal(kernel.Version, p.Version));
            Assert.Equal(DebianVersion.Upstream(kernel.Version), DebianVersion.Upstream(packages[2].Version));
        }
    }

    [Fact]
    public void Arm64ModuleFitsThePinnedKernelAndIsReproducible()
    {
        string first = Path.Combine(temp, "a", "jailhouse.ko");
        string second = Path.Combine(temp, "elsewhere", "b", "jailhouse.ko");
        Builder().Build("arm64", Path.Combine(temp, "a", "work"), first);
        Builder().Build("arm64", Path.Combine(temp, "elsewhere", "b", "work"), second);

        Assert.Equal($"{TestPackages.Resolved.KernelRelease("arm64")} SMP mod_unload modversions aarch64", Modinfo(first, "vermagic"));
        Assert.Equal("GPL", Modinfo(first, "license"));
        Assert.Equal("jailhouse.bin", Modinfo(first, "firmware"));
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
        // Stripped: no DWARF, and no build path of either build inside.
        string sections = Tool.Stdout("aarch64-linux-gnu-objdump", "-h", first);
        Assert.DoesNotContain(".debug_info", sections);
        Assert.DoesNotContain(temp, Encoding.Latin1.GetString(File.ReadAllBytes(first)));
    }

    [Fact]
    public void AModuleBuildsAgainAfterItsWorkTreeMoved()
    {
        // As when a clone is moved or renamed: the extracted headers' include path must follow.
        string work = Path.Combine(temp, "clone", "work"), moved = Path.Combine(temp, "moved-clone", "work");
        Builder().Build("arm64", work, Path.Combine(temp, "first.ko"));
        Directory.CreateDirectory(Path.GetDirectoryName(moved)!);
        Directory.Move(work, moved);
        Builder().Build("arm64", moved, Path.Combine(temp, "second.ko"));
        Assert.Equal(File.ReadAllBytes(Path.Combine(temp, "first.ko")), File.ReadAllBytes(Path.Combine(temp, "second.ko")));
    }

    [Fact]
    public void Amd64ModuleFitsThePinnedKernel()
    {
        string module = Path.Combine(temp, "jailhouse.ko");
        Builder().Build("amd64", Path.Combine(temp, "work"), module);
        Assert.Equal($"{TestPackages.Resolved.KernelRelease("amd64")} SMP preempt mod_unload modversions", Modinfo(module, "vermagic"));
    }
}
