using Jailhouse.Config.Binary;
using Jailhouse.Config.Yaml;

namespace Jailhouse.Tests;

public class GoldenRoundTripTests
{
    public static TheoryData<string> Files => Paths.ReferenceFileNames();

    [Fact]
    public void AllReferenceFilesArePresent()
    {
        // 4 arm + 16 arm64 + 6 x86 upstream configurations.
        Assert.Equal(26, Paths.ReferenceFiles().Count());
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void DecodeEncodeIsByteIdentical(string name)
    {
        byte[] original = File.ReadAllBytes(Path.Combine(Paths.ReferenceCells, name));
        var model = ConfigBinaryReader.Read(original, name, out var warnings);
        Assert.Empty(warnings);
        Assert.Equal(original, ConfigBinaryWriter.Write(model));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void YamlRoundTripIsByteIdentical(string name)
    {
        byte[] original = File.ReadAllBytes(Path.Combine(Paths.ReferenceCells, name));
        var model = ConfigBinaryReader.Read(original, name, out _);
        string yaml = YamlConfigWriter.Write(model);
        var fromYaml = YamlConfigReader.Read(yaml, name + ".yaml");
        Assert.Equal(original, ConfigBinaryWriter.Write(fromYaml));
        // Decompiling what was compiled from YAML gives the same text again (names are kept).
        Assert.Equal(yaml, YamlConfigWriter.Write(fromYaml));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void ArchitectureMatchesFolder(string name)
    {
        var model = ConfigBinaryReader.ReadFile(Path.Combine(Paths.ReferenceCells, name), out _);
        string folder = name.Split(Path.DirectorySeparatorChar)[0];
        Assert.Equal(folder, Names.Architecture.FormatValue((ulong)model.Architecture));
    }
}
