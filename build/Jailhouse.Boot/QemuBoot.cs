using System.Diagnostics;
using System.Text;
using Jailhouse.Config;

namespace Jailhouse.Boot;

/// <summary>
/// Boots a board's disk image in QEMU (TCG) through its UEFI firmware and collects the serial
/// console until the guest powers off or the time runs out.
/// </summary>
public static class QemuBoot
{
    public sealed record Result(bool PoweredOff, string Console, TimeSpan Elapsed);

    public static Result Run(BoardDescription board, string image, TimeSpan timeout, Action<string>? onLine = null)
    {
        var qemu = board.Qemu ?? throw new ConfigException(board.Origin, $"board {board.Name} has no qemu section: it cannot boot in QEMU");
        var info = new ProcessStartInfo(qemu.Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (string argument in qemu.Arguments)
            info.ArgumentList.Add(argument);
        foreach (string argument in new[] { "-nographic", "-no-reboot", "-bios", qemu.Firmware,
            "-drive", $"file={image},format=raw,if={qemu.DriveInterface},snapshot=on" })
            info.ArgumentList.Add(argument);

        var console = new StringBuilder();
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {qemu.Binary}");
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (console) console.Append(e.Data).Append('\n'); };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
                return;
            lock (console)
                console.Append(e.Data).Append('\n');
            onLine?.Invoke(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        bool exited = process.WaitForExit(timeout);
        if (!exited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        process.WaitForExit(); // drain the asynchronous readers
        lock (console)
            return new Result(exited && process.ExitCode == 0, console.ToString(), watch.Elapsed);
    }
}
