using System.Text.RegularExpressions;
using Jailhouse.Binaries;
using Jailhouse.Config.Binary;
using Jailhouse.Config.Model;
using Jailhouse.Config.Yaml;

namespace Jailhouse.Tests;

/// <summary>The cell example a newcomer copies from the README compiles, and the commands it
/// shows name files the images have.</summary>
public partial class ReadmeExampleTests
{
    [GeneratedRegex(@"/usr/lib/jailhouse/inmates/([\w.-]+\.bin)")]
    private static partial Regex InmatePath();

    [GeneratedRegex(@"/etc/jailhouse/([\w.-]+)\.cell")]
    private static partial Regex CellPath();

    /// <summary>Every inmate the README (and the demo cells' comments) load is one the images
    /// ship (a C# demo or an assembly inmate), every configuration one configs/ compiles.</summary>
    [Fact]
    public void TheTargetExamplesNameInmatesAndCellsThatExist()
    {
        string root = Paths.RepositoryRoot;
        var shipped = CSharpInmateBuilder.Projects(root).Select(project => Path.GetFileNameWithoutExtension(project) + ".bin")
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "inmates"), "*.S", SearchOption.AllDirectories)
                .Select(source => Path.GetFileNameWithoutExtension(source) + ".bin"))
            .ToHashSet();
        var configs = Directory.EnumerateFiles(Path.Combine(root, "configs"), "*.yaml", SearchOption.AllDirectories)
            .Select(Path.GetFileNameWithoutExtension).ToHashSet();
        var texts = new[] { Path.Combine(root, "README.md") }
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "configs"), "*.yaml", SearchOption.AllDirectories));
        int inmates = 0;
        foreach (string file in texts)
        {
            string text = File.ReadAllText(file);
            foreach (Match match in InmatePath().Matches(text))
            {
                inmates++;
                Assert.True(shipped.Contains(match.Groups[1].Value), $"{file}: no inmate {match.Groups[1].Value} is built");
            }
            foreach (Match match in CellPath().Matches(text))
                Assert.True(configs.Contains(match.Groups[1].Value), $"{file}: no configuration {match.Groups[1].Value}.yaml");
        }
        Assert.True(inmates >= 3, "the README and the demo cells load inmates");
    }

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
