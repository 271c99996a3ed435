using Jailhouse.Fuzz;

namespace Jailhouse.Tests;

/// <summary>
/// A bounded fuzzing run (fixed seed, about two minutes) over every host command and the target
/// commands: no crash, hang, memory blow-up, stack trace or leftover file. Longer runs:
/// `./build.sh --target=Fuzz` (recipes/fuzz.cake).
/// </summary>
[Collection("console")]
[Trait("Tier", "Fuzz")]
public sealed class FuzzTests : TempDirectoryTest
{
    [Fact]
    public void BoundedRunFindsNothing()
    {
        var result = Runner.Run(new FuzzOptions { Seed = 1, Cases = 8000, MaxSeconds = 120, Reproducers = Path.Combine(temp, "reproducers") }, TextWriter.Null);
        Assert.True(result.Failures.Count == 0, string.Join("\n", result.Failures));
        // Every command ran, and the mutations got past the parsers into the commands' work (exit 0) as well as being refused (exit 1).
        string[] commands = ["config show", "config decompile", "config compile", "config check", "dt show", "dt edit", "config create --dtb",
            "config create --snapshot", "diagnose", "boot plan", "boot cmdline", "config cell", "enable", "cell create", "cell load", "cell start", "cell destroy", "console"];
        foreach (string command in commands)
            Assert.True(result.PerCommand.ContainsKey(command), $"{command} never ran in {result.Cases} cases");
        foreach (string command in new[] { "config show", "config decompile", "dt show", "config create --dtb", "config create --snapshot", "diagnose", "boot cmdline" })
        {
            Assert.True(result.PerCommand[command][0] > 0, $"{command}: no case succeeded");
            Assert.True(result.PerCommand[command][1] > 0, $"{command}: no case was refused");
        }
    }
}
