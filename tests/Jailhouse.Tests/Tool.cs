namespace Jailhouse.Tests;

/// <summary>Runs a real tool (fsck.fat, sgdisk, simg2img, ...) that a test holds our output against.</summary>
internal static class Tool
{
    public static (int Exit, string Output) Run(string program, params string[] arguments)
    {
        var result = ExternalTool.Run(program, arguments);
        return (result.ExitCode, result.Output);
    }

    /// <summary>Runs the tool, fails the test unless it exits 0, and returns its standard output alone.</summary>
    public static string Stdout(string program, params string[] arguments)
    {
        var result = ExternalTool.Run(program, arguments);
        Assert.True(result.ExitCode == 0, $"{program} {string.Join(' ', arguments)} exited {result.ExitCode}:\n{result.Output}");
        return result.StandardOutput;
    }

    /// <summary>Runs the tool and fails the test with its output unless it exits 0.</summary>
    public static string Ok(string program, params string[] arguments)
    {
        var (exit, output) = Run(program, arguments);
        Assert.True(exit == 0, $"{program} {string.Join(' ', arguments)} exited {exit}:\n{output}");
        return output;
    }
}
