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
        var qemu = board.Qemu ?? throw new InputException(board.Origin, $"board {board.Name} has no qemu section: it cannot boot in QEMU");
        return Start(qemu.Binary, [.. qemu.Arguments, "-nographic", "-no-reboot", "-bios", qemu.Firmware,
            "-drive", $"file={image},format=raw,if={qemu.DriveInterface},snapshot=on"], timeout, onLine);
    }

    /// <summary>
    /// Boots the board's kernel and initramfs directly (-kernel, -initrd, -append; no firmware, GRUB
    /// or disk): the board's machine with the command line its plan gives plus
    /// <paramref name="extraArguments"/>. Seconds faster than the disk boot; what the tests that run
    /// a script in the image use. <paramref name="machineArguments"/> replaces the board's QEMU
    /// arguments (machine, CPU, memory), e.g. to boot the same image with another GIC version.
    /// </summary>
    public static Result RunKernel(BoardDescription board, string kernel, string initrd, IEnumerable<string> extraArguments,
        TimeSpan timeout, Action<string>? onLine = null, IReadOnlyList<string>? machineArguments = null)
    {
        var qemu = board.Qemu ?? throw new InputException(board.Origin, $"board {board.Name} has no qemu section: it cannot boot in QEMU");
        var plan = board.Jailhouse is null ? null : ReservationPlanner.Plan(board);
        string commandLine = string.Join(' ', ReservationPlanner.KernelArguments(board, plan).Concat(extraArguments));
        return Start(qemu.Binary, [.. machineArguments ?? qemu.Arguments, "-nographic", "-no-reboot", "-kernel", kernel, "-initrd", initrd,
            "-append", commandLine], timeout, onLine);
    }

    private static Result Start(string binary, IEnumerable<string> arguments, TimeSpan timeout, Action<string>? onLine)
    {
        var info = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (string argument in arguments)
            info.ArgumentList.Add(argument);

        var console = new StringBuilder();
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {binary}");
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
