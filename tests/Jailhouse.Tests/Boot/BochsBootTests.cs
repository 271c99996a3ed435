using System.Globalization;
using System.Text.RegularExpressions;
using Jailhouse.Boot;
using Jailhouse.Config.Binary;
using Jailhouse.Config.Model;
using Jailhouse.Config.Yaml;
using Jailhouse.Generate.Diagnose;
using Jailhouse.Generate.Snapshot;
using Xunit.Abstractions;

namespace Jailhouse.Tests.Boot;

/// <summary>
/// x86 under emulated VT-x: the qemu-x86 image's kernel and initramfs (built by `dotnet cake
/// --target=Assemble --board=qemu-x86`) booted in Bochs through the board's `bochs:` machine
/// (GRUB rescue ISO, 2 CPUs, the plan's memmap=). Bochs is slow (minutes per boot on a busy
/// machine), so every test boots once and checks everything it can from that console.
/// </summary>
// 3-6 minutes of Bochs per boot on this 2-core machine (four boots, 17.7 minutes measured):
// part of the slow tier that ./test.sh runs in CI, and alone with Cake's TestBochs.
[Trait("Tier", "Bochs")]
public partial class BochsBootTests(ITestOutputHelper output)
{
    /// <summary>A boot to power-off takes 3-6 minutes with the machine's two cores shared by
    /// three jobs (measured); 15 minutes is a hang.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(15);

    /// <summary>The kernel in trouble. Not WARNINGs: Bochs' CPU model draws a boot-time one
    /// (fpu__init_system_xstate, "RETBleed: WARNING"); hypervisor-x86.sh checks that none
    /// appears from insmod on.</summary>
    [GeneratedRegex(@"\bOops\b|\bBUG:|Kernel panic")]
    private static partial Regex KernelTrouble();

    internal static (BoardDescription Board, string Kernel, string Initrd) QemuX86Image()
    {
        string artifacts = Path.Combine(Paths.RepositoryRoot, "artifacts", "qemu-x86");
        var board = BoardDescriptionReader.ReadFile(Path.Combine(Paths.RepositoryRoot, "bsp", "qemu-x86", "board.yaml"));
        string initrd = Path.Combine(artifacts, "initrd.img");
        Assert.True(File.Exists(initrd), $"{initrd} is missing: run `dotnet cake --target=Assemble --board=qemu-x86` (./test.sh does)");
        return (board, Path.Combine(artifacts, "kernel", "vmlinuz"), initrd);
    }

    /// <summary>Boots the image with <paramref name="cells"/> added as /etc/jailhouse/NAME (an
    /// uncompressed cpio appended to the initramfs, which Linux unpacks over the first).</summary>
    internal static BochsBoot.Result Boot(ITestOutputHelper output, string name, IEnumerable<(string Name, byte[] Bytes)> cells,
        params string[] arguments)
    {
        var (board, kernel, initrd) = QemuX86Image();
        string work = Path.Combine(Path.GetTempPath(), $"jailhouse-bochs-{name}-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        string bootInitrd = Path.Combine(work, "initrd-test.img");
        BochsBoot.ExtendInitrd(initrd, cells.Select(c => ($"etc/jailhouse/{c.Name}", c.Bytes)), bootInitrd);
        // Figures, printed: the wall time from starting Bochs to the hypervisor running.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        TimeSpan? enabled = null;
        var result = BochsBoot.RunKernel(board, kernel, bootInitrd, arguments, Limit, work,
            line => enabled ??= line == "jailhouse-test: ok enable" ? watch.Elapsed : null);
        output.WriteLine($"{name}: {result.Elapsed.TotalSeconds:F0} s in Bochs, logs in {result.LogDirectory}");
        if (enabled is { } toEnable)
            output.WriteLine($"{name}: Bochs start to `jailhouse enable` done: {toEnable.TotalSeconds:F0} s");
        foreach (string error in result.EmulatorErrors)
            output.WriteLine($"bochs.log: {error}");
        return result;
    }

    [Fact]
    public void DebianKernelBootsToInitOnTwoCpusWithThePlansMemmap()
    {
        var result = Boot(output, "plain", []);
        string console = result.Console;
        Assert.True(result.PoweredOff, $"no power-off within {Limit}:\n{console}");
        Assert.Empty(result.EmulatorErrors);
        Assert.Contains("jailhouse-image: ready", console);
        // The plan's reservation reached the kernel through grub.cfg with its `$` intact.
        var plan = ReservationPlanner.Plan(QemuX86Image().Board);
        Assert.Contains($"jailhouse-image: cmdline ", console);
        Assert.Contains(plan.KernelArgument!, console);
        Assert.Matches(@"smp: Brought up 1 node, 2 CPUs", console);
        Assert.DoesNotMatch(KernelTrouble(), console);
    }

    /// <summary>The Bochs machine's root cell (generated from its snapshot, see the fixture's README).</summary>
    internal static JailhouseConfig BochsRootCell() =>
        YamlConfigReader.Read(File.ReadAllText(BochsRootCellPath), BochsRootCellPath);

    internal static string BochsRootCellPath => Path.Combine(Paths.RepositoryRoot, "tests", "Jailhouse.Tests", "fixtures", "bochs", "bochs-x86.yaml");

    /// <summary>The script's steps; "port I/O with ioperm" after disable needs TR reloaded
    /// with Linux's limit (a VM exit leaves 0x67, which ends before the TSS's I/O bitmap).</summary>
    private static readonly string[] Steps = ["insmod", "before enable: Linux runs on 2 CPUs", "before enable: port I/O with ioperm on 2 CPUs",
        "enable", "cell list", "after enable: Linux runs on 2 CPUs", "after enable: port I/O with ioperm on 2 CPUs",
        "RTC read through the cell's ports", "serial interrupt moved to CPU 1 and back through the IOAPIC",
        "IPIs reach CPU 1 through the emulated ICR", "root cell VM exits counted", "disable", "after disable: Linux runs on 2 CPUs",
        "after disable: port I/O with ioperm on 2 CPUs", "rmmod", "kernel log clean"];

    private void AssertHypervisorRunPassed(BochsBoot.Result result)
    {
        string console = result.Console;
        Assert.True(result.PoweredOff, $"no power-off within {Limit}:\n{console}");
        Assert.Empty(result.EmulatorErrors);
        Assert.DoesNotContain("jailhouse-test: FAIL", console);
        Assert.DoesNotContain("FATAL", console);
        Assert.DoesNotMatch(KernelTrouble(), console);
        foreach (string step in Steps)
            Assert.Contains($"jailhouse-test: ok {step}\n", console);
        Assert.Contains("jailhouse-image: test hypervisor-x86 passed", console);
        // Straight from the hypervisor on its debug UART, COM2 (Linux keeps COM1): banner, both
        // CPUs in and out again, nothing fatal.
        string hypervisor = result.SecondConsole;
        Assert.DoesNotContain("FATAL", hypervisor);
        Assert.Matches(@"(?m)^Jailhouse hypervisor in C# \(x86\) initializing$", hypervisor);
        // The interrupt controllers are emulated: Linux runs the xAPIC here, and every IPI it
        // sent named CPUs of its own cell.
        Assert.Matches(@"(?m)^Using xAPIC$", hypervisor);
        for (int cpu = 0; cpu < 2; cpu++)
            Assert.Matches($@"(?m)^CPU {cpu}: APIC ID \d+$", hypervisor);
        Assert.DoesNotContain("outside cell boundaries", hypervisor);
        for (int cpu = 0; cpu < 2; cpu++)
        {
            Assert.Matches($@"(?m)^CPU {cpu} activated$", hypervisor);
            Assert.Matches($@"(?m)^Hypervisor disabled on CPU {cpu}$", hypervisor);
        }
        Assert.Matches(@"jailhouse-test: \| \[[ \d.]+\] jailhouse: enabled: hypervisor running on 2 CPUs\n", console);
        foreach (Match counted in Regex.Matches(console, @"jailhouse-test: \| (root cell vmexits_\w+ \d+|enable took [^\n]*)"))
            output.WriteLine(counted.Groups[1].Value);
        // The driver shows x86's exit reasons next to the generic ones; every reason counted is
        // also in the total (MSR and XSETBV exits only there).
        var exits = Regex.Matches(console, @"jailhouse-test: \| root cell vmexits_(\w+) (\d+)\n")
            .ToDictionary(m => m.Groups[1].Value, m => long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
        string[] reasons = ["mmio", "management", "hypercall", "pio", "xapic", "cr", "cpuid"];
        Assert.All(reasons, reason => Assert.True(exits.ContainsKey(reason), $"no vmexits_{reason} in the cell's statistics"));
        Assert.True(reasons.Sum(reason => exits[reason]) <= exits["total"], string.Join(", ", exits));
        Assert.True(exits["hypercall"] > 0 && exits["cpuid"] > 0, string.Join(", ", exits));
        // The xAPIC page and the IOAPIC trap.
        Assert.True(exits["xapic"] > 0 && exits["mmio"] > 0, string.Join(", ", exits));
    }

    /// <summary>`quiet` saves emulated UART time; `io_delay=none` keeps Linux off port 0x80,
    /// which no root cell lists (upstream's neither).</summary>
    [Fact]
    public void HypervisorRunsLinuxAsTheRootCellAndHandsItBack()
    {
        byte[] cell = ConfigBinaryWriter.Write(BochsRootCell());
        var result = Boot(output, "hypervisor", [("bochs-x86.cell", cell)], "jailhouse.test=hypervisor-x86", "jailhouse.cell=bochs-x86.cell", "quiet", "io_delay=none");
        AssertHypervisorRunPassed(result);
    }

    /// <summary>
    /// The bring-up loop: a root cell without the RTC's ports stops the CPU that reads the RTC
    /// with upstream's "Invalid PIO" line; `jailhouse diagnose` (Diagnoser) on that console
    /// with the machine's snapshot proposes the pio entry; with it added the same boot passes.
    /// </summary>
    [Fact]
    public void CrashDumpOfAMissingPortLeadsToTheEntryThatFixesTheBoot()
    {
        var config = BochsRootCell();
        Assert.Equal(1, config.Cell.PioRanges.RemoveAll(p => p.Base <= 0x70 && 0x70 < p.Base + p.Length));
        var broken = Boot(output, "no-rtc", [("bochs-x86.cell", ConfigBinaryWriter.Write(config))],
            "jailhouse.test=hypervisor-x86", "jailhouse.cell=bochs-x86.cell", "quiet", "io_delay=none");
        Assert.Contains("jailhouse-test: ok enable\n", broken.Console);
        Assert.Matches(@"FATAL: Invalid PIO (read|write), port: 70 size: 1\n", broken.SecondConsole);
        // The runner stopped once the CPU was parked instead of waiting for the time limit; the
        // CPU entered its parking state (wait-for-SIPI in the guest) without a VM-entry failure.
        Assert.Matches(@"Parking CPU \d \(Cell: ""RootCell""\)\n", broken.SecondConsole);
        Assert.True(broken.Elapsed < Limit, $"the broken boot ran into the time limit ({broken.Elapsed})");
        Assert.Empty(broken.EmulatorErrors);

        var snapshot = SystemSnapshot.ReadTar(new MemoryStream(BochsSnapshot()), "bochs snapshot");
        var dump = FatalDumpParser.Parse(broken.SecondConsole).OfType<PortAccessDump>().First();
        var diagnosis = new Diagnoser(snapshot, config).Explain(dump);
        output.WriteLine($"diagnose: {diagnosis.FixSection}: {diagnosis.Fix}");
        Assert.Equal("root-cell: pio (add)", diagnosis.FixSection);
        var fix = Regex.Match(diagnosis.Fix!, @"base: 0x([0-9a-f]+), length: 0x([0-9a-f]+)");
        Assert.True(fix.Success, diagnosis.Fix);
        config.Cell.PioRanges.Add(new PioRange
        {
            Name = "rtc",
            Base = ushort.Parse(fix.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            Length = ushort.Parse(fix.Groups[2].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture),
        });
        var fixedBoot = Boot(output, "rtc-fixed", [("bochs-x86.cell", ConfigBinaryWriter.Write(config))],
            "jailhouse.test=hypervisor-x86", "jailhouse.cell=bochs-x86.cell", "quiet", "io_delay=none");
        AssertHypervisorRunPassed(fixedBoot);
    }

    /// <summary>The snapshot the fixture's root cell was generated from, packed again.</summary>
    internal static byte[] BochsSnapshot()
    {
        string console = File.ReadAllText(Path.Combine(Paths.RepositoryRoot, "tests", "Jailhouse.Tests", "fixtures", "bochs", "snapshot-console.log"));
        return ConsoleSnapshot.Extract(console, "snapshot-console.log");
    }
}
