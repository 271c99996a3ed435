using System.Diagnostics;

namespace Jailhouse.Tests;

/// <summary>Runs a real tool (fsck.fat, sgdisk, simg2img, ...) that a test holds our output against.</summary>
internal static class Tool
{
    public static (int Exit, string Output) Run(string program, params string[] arguments) =>
        RunIn(null, program, arguments);

    public static (int Exit, string Output) RunIn(string? directory, string program, params string[] arguments)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = directory ?? Environment.CurrentDirectory,
        };
        foreach (string argument in arguments)
            info.ArgumentList.Add(argument);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {program}");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }

    /// <summary>Runs the tool and fails the test with its output unless it exits 0.</summary>
    public static string Ok(string program, params string[] arguments)
    {
        var (exit, output) = Run(program, arguments);
        Assert.True(exit == 0, $"{program} {string.Join(' ', arguments)} exited {exit}:\n{output}");
        return output;
    }
}
