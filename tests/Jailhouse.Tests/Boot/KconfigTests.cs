using Jailhouse.Boot;
using Jailhouse.Debian;

namespace Jailhouse.Tests.Boot;

/// <summary>Fragments through the kernel's own Kconfig (Debian's linux-source 6.1 and linux-kbuild).</summary>
[Trait("Tier", "Images")]
public sealed class KconfigTests : TempDirectoryTest
{
    private static readonly Lazy<KconfigPatcher> Patcher = new(() =>
    {
        var cache = PackageCache.Default();
        return KconfigPatcher.FromPackages(TestPackages.Resolved, Path.Combine(cache.ExtractedDirectory, "kconfig"), cache);
    });

    private static string BaseConfig(string board)
    {
        string config = Path.Combine(Paths.RepositoryRoot, "artifacts", board, "kernel", "config");
        Assert.True(File.Exists(config), $"run `dotnet cake --target=Assemble --board={board}` first (./test.sh does)");
        return config;
    }

    private static string[] Fragments(string board) =>
        [Path.Combine(Paths.RepositoryRoot, "bsp", "common", "jailhouse.fragment"), Path.Combine(Paths.RepositoryRoot, "bsp", board, "kernel.fragment")];

    [Theory]
    [InlineData("qemu-arm64", "CONFIG_ARM64=y")]
    [InlineData("qemu-x86", "CONFIG_X86_64=y")]
    public void DebianConfigLosesKvmAndKeepsTheRest(string board, string archLine)
    {
        string baseConfig = BaseConfig(board);
        Assert.Contains(File.ReadAllLines(baseConfig), l => l is "CONFIG_KVM=y" or "CONFIG_KVM=m");
        var result = Patcher.Value.Patch(baseConfig, Fragments(board), board == "qemu-arm64" ? "arm64" : "amd64");
        Assert.Empty(result.Lost);
        // Linux 6.1 has no ARM64_VHE: the patcher says that the command line does that job.
        if (board == "qemu-arm64")
            Assert.Equal([$"{Fragments(board)[1]}:6:1: CONFIG_ARM64_VHE is not an option of this kernel; the kernel command line does its job: id_aa64mmfr1.vh=0 (the boot planner adds it)"],
                result.Notes);
        else
            Assert.Empty(result.Notes);
        var lines = result.Config.Split('\n');
        Assert.Contains("# CONFIG_KVM is not set", lines);
        Assert.Contains("CONFIG_HOTPLUG_CPU=y", lines);
        Assert.Contains(archLine, lines);
        // Kconfig dropped what only KVM selected.
        Assert.DoesNotContain(lines, l => l.StartsWith("CONFIG_HAVE_KVM_EVENTFD=", StringComparison.Ordinal));
    }

    [Fact]
    public void UnmetDependenciesAreListed()
    {
        string fragment = Path.Combine(temp, "bad.fragment");
        File.WriteAllText(fragment, "# CONFIG_VIRTUALIZATION is not set\nCONFIG_KVM=y\n");
        var result = Patcher.Value.Patch(BaseConfig("qemu-arm64"), [fragment], "arm64");
        Assert.Equal([$"{fragment}:2:1: CONFIG_KVM requested y, Kconfig gave n (a dependency is not met)"], result.Lost);
        Assert.Empty(result.Notes);
    }

    [Fact]
    public void OptionsTheKernelDoesNotHaveAreNoted()
    {
        string fragment = Path.Combine(temp, "unknown.fragment");
        File.WriteAllText(fragment, "# CONFIG_NO_SUCH_OPTION is not set\n");
        var result = Patcher.Value.Patch(BaseConfig("qemu-arm64"), [fragment], "arm64");
        Assert.Empty(result.Lost);
        Assert.Equal([$"{fragment}:1:1: CONFIG_NO_SUCH_OPTION is not an option of this kernel (nothing to turn off)"], result.Notes);
    }

    [Fact]
    public void FragmentSyntaxErrorsNameTheLine()
    {
        var error = Assert.Throws<InputException>(() => KconfigFragment.Read("CONFIG_A=y\nKVM=y\n", "f"));
        Assert.Equal("f:2:1: error: expected CONFIG_NAME=value or \"# CONFIG_NAME is not set\", found \"KVM=y\"", error.ToString());
    }
}
