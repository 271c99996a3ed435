using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Jailhouse.Config;

namespace Jailhouse.Boot;

/// <summary>
/// Boots an x86 board's kernel and initramfs in Bochs, the one emulator here with VT-x (EPT,
/// unrestricted guest, SMP): a GRUB rescue ISO (BIOS, grub-mkrescue) with the board's command
/// line as grub.cfg gives it (the memmap= `$` escaped), the board's `bochs:` machine headless
/// (term display, debugger continued by an rc file), COM1 and COM2 into files. Bochs is ended
/// when Linux reports its power-off, or at the time limit (SIGINT: it ignores SIGTERM); its exit code says nothing (1 for
/// power-off and errors alike), so the result is judged from the serial log, and bochs.log's
/// VM entry failures ("VMENTER FAIL: ...") and panics are reported.
/// </summary>
public static partial class BochsBoot
{
    /// <param name="Console">COM1 (ttyS0, Linux's console).</param>
    /// <param name="SecondConsole">COM2 (ttyS1): where a hypervisor whose configuration names
    /// 0x2f8 as its debug console writes, so that Linux keeps COM1 to itself.</param>
    public sealed record Result(bool PoweredOff, string Console, string SecondConsole, TimeSpan Elapsed, IReadOnlyList<string> EmulatorErrors,
        string LogDirectory);

    /// <summary>Linux's last line on power-off (kernel/reboot.c).</summary>
    public const string PowerDownLine = "reboot: Power down";

    /// <summary>The hypervisor's last line for a CPU it stopped after a FATAL access (upstream's
    /// wording): the cell cannot finish its boot, so what the consoles hold is all there is.</summary>
    [GeneratedRegex(@"Parking CPU \d+ \(Cell: ""[^""\n]*""\)\n")]
    private static partial Regex ParkedLine();

    /// <summary>How long Bochs runs on after a CPU was parked (wall time: a small fraction of a
    /// second of emulated time, plenty for the VM entry into the parking state).</summary>
    private static readonly TimeSpan ParkedGrace = TimeSpan.FromSeconds(10);

    /// <summary>What Bochs says in bochs.log when a VM entry fails or the machine is beyond help.</summary>
    [GeneratedRegex(@"VMENTER FAIL[^\r\n]*|VMFAIL[^\r\n]*|PANIC[^\r\n]*|triple fault[^\r\n]*|shutdown status[^\r\n]*", RegexOptions.IgnoreCase)]
    private static partial Regex EmulatorError();

    /// <summary>
    /// Boots <paramref name="kernel"/> with <paramref name="initrd"/> and the board's command line
    /// plus <paramref name="extraArguments"/>; keeps the ISO, bochsrc, serial.log and bochs.log in
    /// <paramref name="workDirectory"/>.
    /// </summary>
    public static Result RunKernel(BoardDescription board, string kernel, string initrd, IEnumerable<string> extraArguments,
        TimeSpan timeout, string workDirectory, Action<string>? onLine = null)
    {
        var bochs = board.Bochs ?? throw new InputException(board.Origin, $"board {board.Name} has no bochs section: it cannot boot in Bochs");
        var plan = board.Jailhouse is null ? null : ReservationPlanner.Plan(board);
        var arguments = ReservationPlanner.KernelArguments(board, plan).Append(TscArgument(bochs)).Concat(extraArguments).ToList();
        workDirectory = Path.GetFullPath(workDirectory);
        Directory.CreateDirectory(workDirectory);
        string iso = Path.Combine(workDirectory, "boot.iso");
        WriteRescueIso(kernel, initrd, arguments, iso, Path.Combine(workDirectory, "iso"));
        string serial = Path.Combine(workDirectory, "serial.log");
        string serial2 = Path.Combine(workDirectory, "serial2.log");
        string log = Path.Combine(workDirectory, "bochs.log");
        File.Delete(serial);
        File.Delete(serial2);
        File.Delete(log);
        string rc = Path.Combine(workDirectory, "bochsrc");
        File.WriteAllText(rc, Configuration(bochs, iso, serial, serial2, log));
        string cont = Path.Combine(workDirectory, "continue.rc");
        File.WriteAllText(cont, "c\n");
        return Start(rc, cont, serial, serial2, log, timeout, workDirectory, onLine);
    }

    /// <summary>
    /// Writes <paramref name="output"/>: <paramref name="initrd"/> followed by an uncompressed cpio
    /// of <paramref name="files"/> (paths inside the initramfs, e.g. etc/jailhouse/x.cell), which
    /// Linux unpacks over the first -- how a boot gets configurations the image does not carry.
    /// </summary>
    public static void ExtendInitrd(string initrd, IEnumerable<(string Path, byte[] Bytes)> files, string output)
    {
        string temporary = output + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create))
        {
            using (var original = File.OpenRead(initrd))
                original.CopyTo(stream);
            while (stream.Length % 4 != 0)
                stream.WriteByte(0);
            var cpio = new Jailhouse.Images.CpioWriter();
            foreach (var (path, bytes) in files)
                cpio.AddFile(path, bytes);
            cpio.WriteTo(stream, DateTimeOffset.UnixEpoch);
        }
        File.Move(temporary, output, overwrite: true);
    }

    /// <summary>
    /// Linux's TSC frequency for the machine. Bochs' TSC counts emulated instructions, `ips` of
    /// them per emulated second, but its CPU models report a nominal frequency in CPUID leaves
    /// 0x15/0x16, which Linux trusts without calibrating: with corei7_skylake_x at ips 10M its
    /// clock ran about 300 times slow, so every `sleep 1` and mdelay cost 300 emulated seconds
    /// (measured: 80-100 s of wall time per `sleep 1`). Told the truth, Linux refines it
    /// against the ACPI PM timer and finds the same ("Refined TSC clocksource calibration:
    /// 10.000 MHz").
    /// </summary>
    public static string TscArgument(BochsMachine machine) =>
        string.Create(CultureInfo.InvariantCulture, $"tsc_early_khz={machine.InstructionsPerSecond / 1000}");

    /// <summary>The bochsrc of a headless machine booting <paramref name="iso"/>.</summary>
    public static string Configuration(BochsMachine machine, string iso, string serial, string serial2, string log)
    {
        var rc = new StringBuilder();
        rc.Append(CultureInfo.InvariantCulture, $"megs: {machine.MemoryMegabytes}\n");
        rc.Append(CultureInfo.InvariantCulture, $"cpu: model={machine.CpuModel}, count={machine.Cpus}, ips={machine.InstructionsPerSecond}, reset_on_triple_fault=0\n");
        rc.Append("romimage: file=/usr/share/bochs/BIOS-bochs-latest\n");
        rc.Append("vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest\n");
        rc.Append($"ata0-master: type=cdrom, path={iso}, status=inserted\n");
        rc.Append("boot: cdrom\n");
        rc.Append("display_library: term\n");
        rc.Append($"com1: enabled=1, mode=file, dev={serial}\n");
        rc.Append($"com2: enabled=1, mode=file, dev={serial2}\n");
        rc.Append($"log: {log}\n");
        rc.Append("panic: action=fatal\nerror: action=report\ninfo: action=report\ndebug: action=ignore\n");
        // Deterministic: no host clock in the guest's RTC.
        rc.Append("clock: sync=none, time0=946684800\n");
        return rc.ToString();
    }

    /// <summary>A BIOS GRUB rescue ISO that boots the kernel at once (grub-mkrescue, i386-pc only).</summary>
    public static void WriteRescueIso(string kernel, string initrd, IReadOnlyList<string> arguments, string iso, string staging)
    {
        if (Directory.Exists(staging))
            Directory.Delete(staging, recursive: true);
        string grub = Path.Combine(staging, "boot", "grub");
        Directory.CreateDirectory(grub);
        File.Copy(kernel, Path.Combine(staging, "boot", "vmlinuz"));
        File.Copy(initrd, Path.Combine(staging, "boot", "initrd.img"));
        File.WriteAllText(Path.Combine(grub, "grub.cfg"), GrubConfigWriter.Write("Linux", "/boot/vmlinuz", "/boot/initrd.img", null, arguments));
        string temporary = iso + ".tmp";
        var info = new ProcessStartInfo("grub-mkrescue") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { "-d", "/usr/lib/grub/i386-pc", "-o", temporary, staging })
            info.ArgumentList.Add(argument);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start grub-mkrescue");
        string errors = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"grub-mkrescue failed (exit {process.ExitCode}; it needs grub-pc-bin and xorriso): {errors}");
        File.Move(temporary, iso, overwrite: true);
    }

    private static Result Start(string rc, string cont, string serial, string serial2, string log, TimeSpan timeout, string workDirectory,
        Action<string>? onLine)
    {
        // timeout(1) sends SIGINT, which Bochs honours (it ignores SIGTERM), and SIGKILL 5 s later.
        var info = new ProcessStartInfo("timeout")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workDirectory,
        };
        foreach (string argument in new[] { "-s", "INT", "-k", "5", ((int)Math.Ceiling(timeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture),
            "bochs", "-q", "-f", rc, "-rc", cont })
            info.ArgumentList.Add(argument);
        // The term display needs a terminal type; its screen output is not the console.
        info.Environment["TERM"] = "dumb";

        var watch = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start bochs");
        process.StandardInput.Close();
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        long echoed = 0;
        var pending = new StringBuilder();
        bool stopping = false;
        TimeSpan? parkedAt = null;
        while (!process.WaitForExit(200))
        {
            echoed = Echo(serial, echoed, pending, onLine);
            // Bochs may stay up after the guest's ACPI power-off: end it once Linux said so
            // (timeout(1) passes the SIGINT on). A CPU the hypervisor parked never comes back:
            // waiting for the time limit would only add minutes. A few seconds go on after the
            // report, so that bochs.log shows whether the CPU entered its parking state.
            if (parkedAt is null && (Parked(serial) || Parked(serial2)))
                parkedAt = watch.Elapsed;
            if (!stopping && (File.Exists(serial) && ReadShared(serial).Contains(PowerDownLine, StringComparison.Ordinal)
                || watch.Elapsed - parkedAt > ParkedGrace))
            {
                stopping = true;
                using var kill = Process.Start(new ProcessStartInfo("kill", ["-s", "INT", process.Id.ToString(CultureInfo.InvariantCulture)]));
                kill?.WaitForExit();
            }
        }
        process.WaitForExit();
        Echo(serial, echoed, pending, onLine);
        if (pending.Length > 0)
            onLine?.Invoke(pending.ToString());

        string console = File.Exists(serial) ? ReadShared(serial) : "";
        string console2 = File.Exists(serial2) ? ReadShared(serial2) : "";
        // Bochs reports the guest's ACPI power-off as a "PANIC" line: that one is no error.
        var errors = File.Exists(log)
            ? EmulatorError().Matches(ReadShared(log)).Select(m => m.Value.Trim())
                .Where(e => !e.Contains("soft power off", StringComparison.Ordinal)).Distinct().ToList()
            : [];
        bool poweredOff = console.Contains(PowerDownLine, StringComparison.Ordinal);
        return new Result(poweredOff, console, console2, watch.Elapsed, errors, workDirectory);
    }

    private static bool Parked(string path) => File.Exists(path) && ParkedLine().IsMatch(ReadShared(path));

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.Latin1);
        return reader.ReadToEnd().Replace("\r", "", StringComparison.Ordinal);
    }

    /// <summary>Hands the serial log's new complete lines to <paramref name="onLine"/>; returns the new offset.</summary>
    private static long Echo(string serial, long offset, StringBuilder pending, Action<string>? onLine)
    {
        if (onLine is null || !File.Exists(serial))
            return offset;
        using var stream = new FileStream(serial, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (stream.Length <= offset)
            return offset;
        stream.Seek(offset, SeekOrigin.Begin);
        var buffer = new byte[stream.Length - offset];
        int read = stream.Read(buffer, 0, buffer.Length);
        foreach (char c in Encoding.Latin1.GetString(buffer, 0, read))
        {
            if (c == '\n')
            {
                onLine(pending.ToString());
                pending.Clear();
            }
            else if (c != '\r')
            {
                pending.Append(c);
            }
        }
        return offset + read;
    }
}
