using Jailhouse.Config.Binary;
using Jailhouse.Config.Yaml;

namespace Jailhouse.Tests;

/// <summary>The hand-written YAML under configs/ compiles to the upstream bytes of the same name.</summary>
public class ProjectConfigTests
{
    public static TheoryData<string> YamlFiles()
    {
        var data = new TheoryData<string>();
        foreach (string file in Directory.EnumerateFiles(Path.Combine(Paths.RepositoryRoot, "configs"), "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(Paths.RepositoryRoot, file));
        return data;
    }

    [Theory]
    [MemberData(nameof(YamlFiles))]
    public void CompilesToTheReferenceOfTheSameName(string yamlFile)
    {
        var model = YamlConfigReader.ReadFile(Path.Combine(Paths.RepositoryRoot, yamlFile));
        string arch = Names.Architecture.FormatValue((ulong)model.Architecture);
        string reference = Path.Combine(Paths.ReferenceCells, arch, Path.GetFileNameWithoutExtension(yamlFile) + ".cell");
        Assert.True(File.Exists(reference), $"no reference file {reference} for {yamlFile}");
        Assert.Equal(File.ReadAllBytes(reference), ConfigBinaryWriter.Write(model));
    }

    [Theory]
    [InlineData("qemu-arm64")]
    [InlineData("qemu-x86")]
    public void BoardHasRootInmateAndLinuxDemoConfigs(string board)
    {
        var names = Directory.EnumerateFiles(Path.Combine(Paths.RepositoryRoot, "configs", board), "*.yaml")
            .Select(Path.GetFileNameWithoutExtension).ToHashSet();
        Assert.Contains(board, names);
        Assert.Contains(names, n => n!.Contains("linux", StringComparison.Ordinal) && n.EndsWith("-demo", StringComparison.Ordinal));
        Assert.Contains(names, n => n!.EndsWith("inmate-demo", StringComparison.Ordinal) || n == "apic-demo");
    }
}
