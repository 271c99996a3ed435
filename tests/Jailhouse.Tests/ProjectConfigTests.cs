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

    /// <summary>Boards whose configurations are upstream's: every file must match its reference.</summary>
    private static readonly string[] UpstreamBoards = ["qemu-arm64", "qemu-x86"];

    /// <summary>Our own additions on those boards, which upstream does not have (new names, no reference).</summary>
    private static readonly string[] OwnConfigs = ["configs/qemu-arm64/qemu-arm64-gicv2.yaml"];

    [Theory]
    [MemberData(nameof(YamlFiles))]
    public void CompilesAndMatchesTheReferenceOfTheSameName(string yamlFile)
    {
        var model = YamlConfigReader.ReadFile(Path.Combine(Paths.RepositoryRoot, yamlFile));
        byte[] bytes = ConfigBinaryWriter.Write(model);
        // Decoding our own output gives no warnings and the same bytes again.
        Assert.Equal(bytes, ConfigBinaryWriter.Write(ConfigBinaryReader.Read(bytes, yamlFile, out var warnings)));
        Assert.Empty(warnings);

        string arch = Names.Architecture.FormatValue((ulong)model.Architecture);
        string reference = Path.Combine(Paths.ReferenceCells, arch, Path.GetFileNameWithoutExtension(yamlFile) + ".cell");
        string board = yamlFile.Split('/')[1];
        if (UpstreamBoards.Contains(board) && !OwnConfigs.Contains(yamlFile))
            Assert.True(File.Exists(reference), $"no reference file {reference} for {yamlFile}");
        if (File.Exists(reference))
            Assert.Equal(File.ReadAllBytes(reference), bytes);
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
