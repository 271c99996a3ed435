using Jailhouse.Cli;

namespace Jailhouse.Tests;

[CollectionDefinition("console", DisableParallelization = true)]
public class ConsoleCollection;

/// <summary>The `jailhouse config` commands, run in-process with captured output.</summary>
[Collection("console")]
public sealed class CliTests : TempDirectoryTest
{

    internal static (int Exit, string Out, string Err) RunCli(params string[] args) => Run(args);

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var (stdout, stderr) = (Console.Out, Console.Error);
        using var outWriter = new StringWriter();
        using var errWriter = new StringWriter();
        Console.SetOut(outWriter);
        Console.SetError(errWriter);
        try
        {
            int exit = Program.Main(args);
            return (exit, outWriter.ToString(), errWriter.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }

    private static string Reference(string name) => Path.Combine(Paths.ReferenceCells, name);

    [Fact]
    public void DecompileThenCompileGivesTheSameBytes()
    {
        string yaml = Path.Combine(temp, "root.yaml");
        string cell = Path.Combine(temp, "root.cell");
        Assert.Equal(0, Run("config", "decompile", Reference("x86/qemu-x86.cell"), "-o", yaml).Exit);
        Assert.Equal(0, Run("config", "compile", yaml, "-o", cell).Exit);
        Assert.Equal(File.ReadAllBytes(Reference("x86/qemu-x86.cell")), File.ReadAllBytes(cell));
    }

    [Fact]
    public void DecompileWritesToStandardOutputWithoutOutputOption()
    {
        var (exit, stdout, _) = Run("config", "decompile", Reference("arm64/qemu-arm64-inmate-demo.cell"));
        Assert.Equal(0, exit);
        Assert.Contains("cell:\n  name: \"inmate-demo\"", stdout);
    }

    [Fact]
    public void ShowSummarisesBinaryAndYaml()
    {
        var (exit, stdout, _) = Run("config", "show", Reference("arm64/qemu-arm64.cell"));
        Assert.Equal(0, exit);
        Assert.Contains("system configuration, arm64, revision 14", stdout);
        Assert.Contains("hypervisor memory: 0x7fc00000-0x7fffffff (4M)", stdout);
        Assert.Contains("GICv3: maintenance IRQ 25, GICD 0x08000000, GICR 0x080a0000", stdout);

        string yaml = Path.Combine(temp, "q.yaml");
        Run("config", "decompile", Reference("arm64/qemu-arm64.cell"), "-o", yaml);
        var fromYaml = Run("config", "show", yaml);
        Assert.Equal(0, fromYaml.Exit);
        Assert.Contains("root cell \"qemu-arm64\": CPUs 0-15", fromYaml.Out);
    }

    [Fact]
    public void InvalidInputExitsOneAndWritesNothing()
    {
        string yaml = Path.Combine(temp, "bad.yaml");
        File.WriteAllText(yaml, "arch: arm64\ncell:\n  name: x\n  cpus: 1\n  memory:\n    - { phys: 0, size: 12Q }\n");
        string cell = Path.Combine(temp, "bad.cell");
        var (exit, _, stderr) = Run("config", "compile", yaml, "-o", cell);
        Assert.Equal(1, exit);
        Assert.Equal($"{yaml}:6:24: error: memory size: expected a size: a number with an optional unit K, M, G or T (e.g. 64M, 4K, 0x4000000), found \"12Q\"\n", stderr);
        Assert.False(File.Exists(cell));
        Assert.Empty(Directory.GetFiles(temp, "*.tmp"));
    }

    [Fact]
    public void FailedCompileKeepsThePreviousOutput()
    {
        string cell = Path.Combine(temp, "keep.cell");
        File.WriteAllBytes(cell, [1, 2, 3]);
        string yaml = Path.Combine(temp, "bad.yaml");
        File.WriteAllText(yaml, "arch: arm64\ncell: {}\n");
        Assert.Equal(1, Run("config", "compile", yaml, "-o", cell).Exit);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(cell));
    }

    [Fact]
    public void MissingFileIsInvalidInput()
    {
        var (exit, _, stderr) = Run("config", "show", Path.Combine(temp, "nope.cell"));
        Assert.Equal(1, exit);
        Assert.Equal($"{Path.Combine(temp, "nope.cell")}: error: cannot read the file: no such file or directory\n", stderr);
    }

    [Theory]
    [InlineData("config", "compile", "x.yaml")]
    [InlineData("config", "frobnicate")]
    [InlineData("config")]
    [InlineData("config", "show", "a", "b")]
    public void UsageErrorsExitTwo(params string[] args)
    {
        var (exit, _, stderr) = Run(args);
        Assert.Equal(2, exit);
        Assert.Contains("--help", stderr);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("config", "--help")]
    [InlineData("config", "compile", "--help")]
    [InlineData("config", "decompile", "--help")]
    [InlineData("config", "show", "--help")]
    public void EveryCommandHasHelp(params string[] args)
    {
        var (exit, stdout, _) = Run(args);
        Assert.Equal(0, exit);
        Assert.Contains("Usage:", stdout);
    }

    [Fact]
    public void TrailingBytesAreReportedAsWarningButAccepted()
    {
        string cell = Path.Combine(temp, "trailing.cell");
        File.WriteAllBytes(cell, [.. File.ReadAllBytes(Reference("x86/apic-demo.cell")), 0, 0, 0, 0]);
        var (exit, _, stderr) = Run("config", "show", cell);
        Assert.Equal(0, exit);
        Assert.Contains("warning: 4 bytes beyond the declared contents", stderr);
    }
}
