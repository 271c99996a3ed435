using Jailhouse.Config;

namespace Jailhouse.Tests.UpToDate;

/// <summary>
/// The build commands with their up-to-date checks, on small inputs: a no-op run skips and says
/// so, an edit of one configuration recompiles that one cell and rebuilds the image that carries
/// it, and the incremental outputs are byte for byte those of a clean build.
/// </summary>
[Collection("console")]
public sealed class IncrementalBuildTests : TempDirectoryTest
{
    private static string BoardFile => Path.Combine(Paths.RepositoryRoot, "bsp", "qemu-x86", "board.yaml");

    private const string ImageYaml = """
        images:
          - file: configs.img
            size: 8M
            filesystem: fat
            label: CELLS
            files:
              qemu-x86.cell: configs/qemu-x86.cell
              tiny-demo.cell: configs/tiny-demo.cell
              apic-demo.cell: configs/apic-demo.cell
        """;

    /// <summary>A copy of the board's configurations to edit.</summary>
    private string CopyConfigs()
    {
        string configs = Path.Combine(temp, "configs");
        Directory.CreateDirectory(configs);
        foreach (string file in Directory.EnumerateFiles(Path.Combine(Paths.RepositoryRoot, "configs", "qemu-x86"), "*.yaml"))
            File.Copy(file, Path.Combine(configs, Path.GetFileName(file)));
        File.WriteAllText(Path.Combine(temp, "image.yaml"), ImageYaml);
        return configs;
    }

    /// <summary>config build + image build into <paramref name="artifacts"/>; returns both commands' standard output.</summary>
    private string Build(string configs, string artifacts)
    {
        var (exit, compiled, err) = CliTests.RunCli("config", "build", "--board", BoardFile, "--configs", configs, "-o", Path.Combine(artifacts, "configs"));
        Assert.True(exit == 0, err);
        (exit, string images, err) = CliTests.RunCli("image", "build", Path.Combine(temp, "image.yaml"), "--board", "qemu-x86",
            "--artifacts", artifacts, "-o", Path.Combine(artifacts, "images"));
        Assert.True(exit == 0, err);
        return compiled + images;
    }

    private static Dictionary<string, byte[]> Outputs(string artifacts) =>
        new[] { "configs", "images" }.SelectMany(d => Directory.EnumerateFiles(Path.Combine(artifacts, d)))
            .ToDictionary(f => Path.GetRelativePath(artifacts, f), File.ReadAllBytes);

    [Fact]
    public void ANoOpRebuildSkipsEveryStepAndSaysSo()
    {
        string configs = CopyConfigs();
        string artifacts = Path.Combine(temp, "incremental");
        string first = Build(configs, artifacts);
        Assert.Contains("qemu-x86: 6 of 6 configuration(s) compiled", first);
        Assert.DoesNotContain("up to date", first);
        var before = Outputs(artifacts);
        string again = Build(configs, artifacts);
        Assert.Contains("qemu-x86 configurations: up to date, skipped", again);
        Assert.Contains("qemu-x86 images: up to date, skipped", again);
        Assert.Equal(before, Outputs(artifacts));
    }

    [Fact]
    public void AnIncrementalRebuildAfterEditingOneConfigurationEqualsACleanBuild()
    {
        string configs = CopyConfigs();
        string incremental = Path.Combine(temp, "incremental");
        Build(configs, incremental);
        var before = Outputs(incremental);

        string tiny = Path.Combine(configs, "tiny-demo.yaml");
        File.WriteAllText(tiny, File.ReadAllText(tiny).Replace("name: \"tiny-demo\"", "name: \"tiny-demo-2\"", StringComparison.Ordinal));
        string rebuilt = Build(configs, incremental);
        Assert.Contains("qemu-x86: 1 of 6 configuration(s) compiled", rebuilt);
        Assert.DoesNotContain("images: up to date", rebuilt);
        var after = Outputs(incremental);
        Assert.NotEqual(before[Path.Combine("configs", "tiny-demo.cell")], after[Path.Combine("configs", "tiny-demo.cell")]);
        Assert.NotEqual(before[Path.Combine("images", "configs.img")], after[Path.Combine("images", "configs.img")]);
        Assert.Equal(before[Path.Combine("configs", "apic-demo.cell")], after[Path.Combine("configs", "apic-demo.cell")]);

        string clean = Path.Combine(temp, "clean");
        Build(configs, clean);
        Assert.Equal(Outputs(clean), after);
    }

    [Fact]
    public void ForceRebuildsTheSameBytes()
    {
        string configs = CopyConfigs();
        string artifacts = Path.Combine(temp, "a");
        Build(configs, artifacts);
        var before = Outputs(artifacts);
        var (exit, stdout, err) = CliTests.RunCli("config", "build", "--board", BoardFile, "--configs", configs, "-o", Path.Combine(artifacts, "configs"), "--force");
        Assert.True(exit == 0, err);
        Assert.Contains("6 of 6 configuration(s) compiled", stdout);
        Assert.Equal(before, Outputs(artifacts));
    }

    [Fact]
    public void ARemovedConfigurationLeavesNoCellBehind()
    {
        string configs = CopyConfigs();
        string artifacts = Path.Combine(temp, "a");
        CliTests.RunCli("config", "build", "--board", BoardFile, "--configs", configs, "-o", Path.Combine(artifacts, "configs"));
        File.Delete(Path.Combine(configs, "pci-demo.yaml"));
        var (exit, _, err) = CliTests.RunCli("config", "build", "--board", BoardFile, "--configs", configs, "-o", Path.Combine(artifacts, "configs"));
        Assert.True(exit == 0, err);
        Assert.False(File.Exists(Path.Combine(artifacts, "configs", "pci-demo.cell")));
        Assert.True(File.Exists(Path.Combine(artifacts, "configs", "tiny-demo.cell")));
    }

    [Fact]
    public void UptodateRunRunsTheCommandOnlyWhenAnInputChanged()
    {
        string input = Path.Combine(temp, "in.txt");
        string output = Path.Combine(temp, "out.txt");
        string log = Path.Combine(temp, "runs.log");
        File.WriteAllText(input, "one");
        string[] Arguments() => ["uptodate", "run", "--stamp", Path.Combine(temp, "out.stamp"), "--input", input, "--option", "k=v",
            "--output", output, "--", "sh", "-c", $"cat {input} > {output}; echo run >> {log}"];
        Assert.Equal(0, CliTests.RunCli(Arguments()).Exit);
        var (exit, stdout, _) = CliTests.RunCli(Arguments());
        Assert.Equal(0, exit);
        Assert.Contains("up to date, skipped", stdout);
        File.WriteAllText(input, "two");
        Assert.Equal(0, CliTests.RunCli(Arguments()).Exit);
        Assert.Equal("two", File.ReadAllText(output).Trim());
        Assert.Equal(2, File.ReadAllLines(log).Length);
    }

    [Fact]
    public void UptodateRunPassesOnAFailingCommandsExitAndRecordsNothing()
    {
        string stamp = Path.Combine(temp, "out.stamp");
        var (exit, _, stderr) = CliTests.RunCli("uptodate", "run", "--stamp", stamp, "--output", Path.Combine(temp, "out"), "--", "sh", "-c", "exit 3");
        Assert.Equal(3, exit);
        Assert.Contains("exit code 3", stderr);
        Assert.False(File.Exists(stamp));
    }
}
