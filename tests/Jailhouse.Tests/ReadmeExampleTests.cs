using Jailhouse.Config.Binary;
using Jailhouse.Config.Model;
using Jailhouse.Config.Yaml;

namespace Jailhouse.Tests;

/// <summary>The cell example a newcomer copies from the README compiles.</summary>
public class ReadmeExampleTests
{
    [Fact]
    public void FirstYamlExampleOfTheReadmeCompiles()
    {
        string readme = File.ReadAllText(Path.Combine(Paths.RepositoryRoot, "README.md"));
        int start = readme.IndexOf("```yaml\n", StringComparison.Ordinal) + "```yaml\n".Length;
        int end = readme.IndexOf("```", start, StringComparison.Ordinal);
        var config = YamlConfigReader.Read(readme[start..end], "README.md");

        Assert.False(config.IsSystem);
        Assert.Equal("my-demo", config.Cell.Name);
        Assert.Equal([1], config.Cell.Cpus);
        Assert.Equal([33L, 34L], config.Cell.Irqchips[0].Pins());
        var comm = config.Cell.MemoryRegions.Single(r => r.Flags.HasFlag(MemoryFlags.CommRegion));
        Assert.Equal((0UL, 0x80000000UL), (comm.PhysStart, comm.VirtStart));
        // header + 8-byte CPU set + 3 regions + 1 irqchip
        Assert.Equal(132 + 8 + 3 * 32 + 32, ConfigBinaryWriter.Write(config).Length);
        // ... and passes `jailhouse config check` with the qemu-arm64 system it is written for.
        var system = YamlConfigReader.ReadFile(Path.Combine(Paths.RepositoryRoot, "configs", "qemu-arm64", "qemu-arm64.yaml"));
        Assert.Empty(Jailhouse.Config.Check.ConfigChecker.Check([new("qemu-arm64.yaml", system), new("README.md", config)]).Findings);
    }
}
