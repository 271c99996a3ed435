using System.Text.Json.Nodes;

namespace Jailhouse.Tests;

/// <summary>
/// The target flavour of the CLI (the NativeAOT binary shipped on images) is the same program
/// with two feature switches off. Here the host build runs with those switches set in its runtime
/// configuration, as the trimmed binary has them, in a process of its own.
/// </summary>
[Collection("console")]
public sealed class TargetFlavorTests : TempDirectoryTest
{
    private (int Exit, string Output) RunTargetFlavor(params string[] args)
    {
        string directory = AppContext.BaseDirectory;
        var runtimeConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "jailhouse.runtimeconfig.json")))!.AsObject();
        var options = runtimeConfig["runtimeOptions"]!.AsObject();
        var properties = options["configProperties"] as JsonObject ?? new JsonObject();
        properties["Jailhouse.Cli.HostCommands"] = false;
        properties["Jailhouse.Config.Yaml"] = false;
        options["configProperties"] = properties;
        string path = Path.Combine(temp, "target.runtimeconfig.json");
        File.WriteAllText(path, runtimeConfig.ToJsonString());
        return Tool.Run("dotnet", ["exec", "--runtimeconfig", path, "--depsfile", Path.Combine(directory, "jailhouse.deps.json"),
            Path.Combine(directory, "jailhouse.dll"), .. args]);
    }

    private static string Cell(string name) =>
        Paths.ReferenceFiles().First(f => Path.GetFileName(f) == name);

    [Fact]
    public void HelpListsTheTargetCommandsOnly()
    {
        var (exit, output) = RunTargetFlavor("--help");
        Assert.Equal(0, exit);
        foreach (string command in new[] { "config", "enable", "disable", "cell", "console" })
            Assert.Matches($"(?m)^  {command}\\b", output);
        foreach (string command in new[] { "image", "packages", "board", "release", "kmod", "hypervisor", "inmate", "uptodate" })
            Assert.DoesNotMatch($"(?m)^  {command}\\b", output);
    }

    [Fact]
    public void HostCommandIsAUsageError()
    {
        var (exit, output) = RunTargetFlavor("config", "compile", "x.yaml", "-o", Path.Combine(temp, "x.cell"));
        Assert.Equal(2, exit);
        Assert.Contains("compile", output);
        Assert.False(File.Exists(Path.Combine(temp, "x.cell")));
    }

    [Fact]
    public void ShowsAndChecksABinaryConfiguration()
    {
        string cell = Cell("qemu-arm64.cell");
        var (exit, output) = RunTargetFlavor("config", "show", cell);
        Assert.Equal(0, exit);
        Assert.Contains("system configuration, arm64, revision 14", output);
        (exit, output) = RunTargetFlavor("config", "check", "--upstream", "--json", cell);
        Assert.Equal(0, exit);
        Assert.Equal(0, JsonNode.Parse(output[output.IndexOf('{')..])!["errors"]!.GetValue<int>());
    }

    [Fact]
    public void YamlConfigurationIsRefusedWithTheReason()
    {
        string yaml = Path.Combine(Paths.RepositoryRoot, "configs", "qemu-arm64", "qemu-arm64.yaml");
        var (exit, output) = RunTargetFlavor("config", "show", yaml);
        Assert.Equal(1, exit);
        Assert.Contains($"{yaml}: byte offset 0x0: error: not a Jailhouse binary configuration", output);
        Assert.Contains("jailhouse config compile", output);
        // The host flavour reads the same file.
        Assert.Equal(0, CliTests.RunCli("config", "show", yaml).Exit);
    }
}
