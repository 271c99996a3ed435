using System.Diagnostics;

namespace Jailhouse;

/// <summary>The result of running an external program: its exit code and both output streams.</summary>
public readonly record struct ToolResult(int ExitCode, string StandardOutput, string StandardError)
{
    public string Output => StandardOutput + StandardError;
}

/// <summary>Runs the external programs the build drives (apt-get, dpkg-deb, mke2fs, debugfs, ...).</summary>
public static class ExternalTool
{
    public static ToolResult Run(string program, IEnumerable<string> arguments, string? workingDirectory = null,
        IEnumerable<(string Name, string Value)>? environment = null)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (string argument in arguments)
            info.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? [])
            info.Environment[name] = value;
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {program}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"cannot run {program}: {e.Message} (is its Debian package installed? see recipes/host-packages.txt)", e);
        }
        using (process)
        {
            // Read stderr concurrently so neither pipe can fill up and stall the program.
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return new ToolResult(process.ExitCode, stdout, stderr.Result);
        }
    }
}
