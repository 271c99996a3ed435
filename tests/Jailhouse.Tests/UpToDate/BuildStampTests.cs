using Jailhouse.Config;

namespace Jailhouse.Tests.UpToDate;

/// <summary>The up-to-date mechanism itself: what reruns a step, what does not, and that a failed step is not recorded.</summary>
public sealed class BuildStampTests : TempDirectoryTest
{
    private string StampPath => Path.Combine(temp, ".stamps", "step.stamp");
    private string Output => Path.Combine(temp, "out.bin");
    private int runs;

    private string Input(string name, string text)
    {
        string path = Path.Combine(temp, "src", name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>The step: concatenates the inputs into the output and counts its runs.</summary>
    private bool Step(string option = "a", bool force = false)
    {
        var stamp = new BuildStamp(StampPath).Tree(Path.Combine(temp, "src")).Option("mode", option);
        return stamp.Run([Output], force, () =>
        {
            runs++;
            File.WriteAllText(Output, string.Concat(Directory.EnumerateFiles(Path.Combine(temp, "src")).Order(StringComparer.Ordinal).Select(File.ReadAllText)));
        });
    }

    /// <summary>
    /// A root file system as an input tree: its absolute links point into the target (not the
    /// host) and count by their text, and its bin/ and hidden files count like any other.
    /// </summary>
    [Fact]
    public void AnArtifactTreeCountsLinksByTargetAndKeepsBinAndHiddenFiles()
    {
        string rootfs = Path.Combine(temp, "rootfs");
        Directory.CreateDirectory(Path.Combine(rootfs, "bin"));
        Directory.CreateDirectory(Path.Combine(rootfs, "lib"));
        File.WriteAllText(Path.Combine(rootfs, "bin", "busybox"), "one");
        File.WriteAllText(Path.Combine(rootfs, ".profile"), "PS1=#");
        File.CreateSymbolicLink(Path.Combine(rootfs, "lib", "ld-linux-aarch64.so.1"), "/nonexistent-on-the-host/ld-linux-aarch64.so.1");
        Directory.CreateSymbolicLink(Path.Combine(rootfs, "lib64"), "/nonexistent-directory");
        int built = 0;
        bool Build() => new BuildStamp(StampPath).Tree(rootfs).Run([Output], false, () => { built++; File.WriteAllText(Output, "image"); });

        Assert.True(Build());
        Assert.False(Build());
        File.WriteAllText(Path.Combine(rootfs, "bin", "busybox"), "two");
        Assert.True(Build());
        File.WriteAllText(Path.Combine(rootfs, ".profile"), "PS1=$");
        Assert.True(Build());
        File.Delete(Path.Combine(rootfs, "lib", "ld-linux-aarch64.so.1"));
        File.CreateSymbolicLink(Path.Combine(rootfs, "lib", "ld-linux-aarch64.so.1"), "/elsewhere/ld-linux-aarch64.so.1");
        Assert.True(Build());
        Assert.False(Build());
        Assert.Equal(4, built);
    }

    [Fact]
    public void AnUnchangedStepRunsOnceAndIsSkippedAfterwards()
    {
        Input("a.yaml", "one");
        Assert.True(Step());
        Assert.False(Step());
        Assert.False(Step());
        Assert.Equal(1, runs);
        Assert.True(File.Exists(StampPath));
    }

    [Fact]
    public void ChangedContentAnOptionAMissingOutputOrForceRerunTheStep()
    {
        string a = Input("a.yaml", "one");
        Step();
        File.WriteAllText(a, "two");
        Assert.True(Step());
        Assert.Equal("two", File.ReadAllText(Output));
        Assert.True(Step(option: "b"));
        File.Delete(Output);
        Assert.True(Step(option: "b"));
        Assert.True(Step(option: "b", force: true));
        Input("new.yaml", "three"); // a new file in an input tree
        Assert.True(Step(option: "b"));
        Assert.Equal(6, runs);
        Assert.False(Step(option: "b"));
    }

    [Fact]
    public void TouchingAFileWithoutChangingItsContentDoesNotRerun()
    {
        string a = Input("a.yaml", "one");
        Step();
        File.SetLastWriteTimeUtc(a, DateTime.UtcNow.AddHours(1));
        File.WriteAllText(a, "one");
        Assert.False(Step());
    }

    [Fact]
    public void AnOutputChangedBehindTheStepsBackIsRebuilt()
    {
        Input("a.yaml", "one");
        Step();
        File.WriteAllText(Output, "edited by hand, longer");
        Assert.True(Step());
        Assert.Equal("one", File.ReadAllText(Output));
    }

    [Fact]
    public void AFailedStepLeavesNoStampSoTheNextRunBuildsAgain()
    {
        Input("a.yaml", "one");
        Step();
        Input("a.yaml", "two");
        var stamp = new BuildStamp(StampPath).Tree(Path.Combine(temp, "src")).Option("mode", "a");
        Assert.Throws<InvalidOperationException>(() => stamp.Run([Output], false, () => throw new InvalidOperationException("step failed")));
        Assert.False(File.Exists(StampPath));
        Assert.True(Step());
    }

    [Fact]
    public void TheStampIsTheSameWhateverOrderInputsAreAddedIn()
    {
        string a = Input("a.yaml", "one");
        string b = Input("b.yaml", "two");
        string first = new BuildStamp(StampPath).File(a).File(b).Option("x", "1").Option("y", "2").Text([Output]);
        string second = new BuildStamp(StampPath).Option("y", "2").File(b).Option("x", "1").File(a).Text([Output]);
        Assert.Equal(first, second);
        Assert.Contains($"file {a} {FileHash.Sha256(a)}\n", first);
    }

    [Fact]
    public void StampsOfDirectoryStepsLiveBesideTheDirectory()
    {
        string images = Path.Combine(temp, "artifacts", "board", "images");
        Assert.Equal(Path.Combine(temp, "artifacts", "board", ".stamps", "images.stamp"), BuildStamp.Beside(images, "images"));
        Assert.Equal(Path.Combine(temp, "artifacts", "board", ".stamps", "images.stamp"), BuildStamp.Beside(images + "/", "images"));
    }
}
