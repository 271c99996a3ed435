using System.Text.RegularExpressions;
using Jailhouse.Boot;
using Jailhouse.Config.Model;
using Jailhouse.Tests.Hypervisor;
using Xunit.Abstractions;

namespace Jailhouse.Tests.Boot;

/// <summary>
/// End to end on arm64: the qemu-arm64 image (built by `dotnet cake --target=Images`, which
/// ./test.sh runs first) with our hypervisor as /lib/firmware/jailhouse.bin, booted directly
/// (-kernel/-initrd, TCG) with `jailhouse.test=hypervisor`: /init runs
/// bsp/common/tests/hypervisor.sh, which loads jailhouse.ko, enables the hypervisor with the
/// system configuration for the machine's GIC, checks that Linux goes on as the root cell
/// (commands, the timer ticking on every CPU while a process runs there, a process on the last CPU),
/// disables it, checks Linux again and unloads the driver.
/// </summary>
[Trait("Tier", "Images")]
public partial class HypervisorBootTests(ITestOutputHelper output)
{
    /// <summary>Whatever the kernel or the hypervisor says when something went wrong.</summary>
    [GeneratedRegex(@"\b(FATAL|Oops|BUG|WARNING|PANIC|Unhandled trap|Hypervisor fault|Unexpected exception|Kernel panic)\b")]
    private static partial Regex Trouble();

    /// <summary>QEMU's newest CPU: VHE, pointer authentication, SVE, SME, MTE (pauth-impdef: the
    /// same instructions with QEMU's cheaper algorithm, as TCG is slow with the architected one).</summary>
    private const string MaxCpu = "max,pauth-impdef=on";

    [Theory]
    [Trait("Tier", "Images")]
    [InlineData(3, 2, "cortex-a72")]
    [InlineData(2, 2, "cortex-a72")]
    [InlineData(3, 4, "cortex-a72")]
    [InlineData(2, 4, "cortex-a72")]
    [InlineData(3, 2, MaxCpu)]
    [InlineData(2, 2, MaxCpu)]
    public void LinuxRunsOnAsRootCellAndAfterDisable(int gicVersion, int cpus, string cpuModel)
    {
        string artifacts = Path.Combine(Paths.RepositoryRoot, "artifacts", "qemu-arm64");
        var board = BoardDescriptionReader.ReadFile(Path.Combine(Paths.RepositoryRoot, "bsp", "qemu-arm64", "board.yaml"));
        string initrd = Path.Combine(artifacts, "initrd.img");
        Assert.True(File.Exists(initrd), $"{initrd} is missing: run `dotnet cake --target=Images --board=qemu-arm64` (./test.sh does)");
        Assert.True(File.Exists(Path.Combine(artifacts, "rootfs", "lib", "firmware", "jailhouse.bin")), "the image carries no hypervisor");

        // The board's machine (virtualization=on, GICv3, 2 CPUs) with the GIC version, CPU count
        // and model under test (and no ITS: the hypervisor passes none to the root cell).
        var machine = new QemuMachineVariant(gicVersion, cpus, cpuModel).Apply(board);

        var result = QemuBoot.RunKernel(board, Path.Combine(artifacts, "kernel", "Image"), initrd, ["jailhouse.test=hypervisor"],
            TimeSpan.FromMinutes(2), machineArguments: machine);
        string console = result.Console;
        // Kept for whoever reads a failure: artifacts/<board>/test-logs/.
        string logs = Directory.CreateDirectory(Path.Combine(artifacts, "test-logs")).FullName;
        File.WriteAllText(Path.Combine(logs, $"hypervisor-gicv{gicVersion}-{cpus}cpus-{cpuModel.Split(',')[0]}.log"), console);
        output.WriteLine($"GICv{gicVersion}, {cpus} CPUs, -cpu {cpuModel}: {result.Elapsed.TotalSeconds:F1} s");
        foreach (Match counted in Regex.Matches(console, @"jailhouse-test: \| root cell vmexits_\w+ [^\r\n]*"))
            output.WriteLine(counted.Value);
        Assert.True(result.PoweredOff, $"no power-off within 2 minutes:\n{console}");
        Assert.DoesNotContain("jailhouse-test: FAIL", console);
        // The one FATAL line expected: the hostile inmate's store into the root cell's first RAM
        // region, stopped and reported with its cell (hypervisor.sh's isolation step).
        ulong rootRam = RootRamBase();
        string isolation = $"FATAL: Invalid MMIO write, addr: 0x{rootRam:x16} size: 4";
        Assert.Equal(1, Regex.Count(console, "FATAL"));
        Assert.Contains(isolation, console);
        Assert.Matches(@"Cell ""inmate-demo"", CPU 1, ELR 0x", console);
        Assert.Contains($"root-ram-writer: storing into the root cell's RAM at 0x{rootRam:x}", console);
        Assert.DoesNotContain("root-ram-writer: the store into the root cell's RAM went through", console);
        Assert.DoesNotMatch(Trouble(), console.Replace(isolation, "", StringComparison.Ordinal));
        foreach (string step in new[] { "insmod", $"before enable: Linux runs on {cpus} CPUs", "enable", "hypervisor memory read-only in the kernel",
            $"after enable: Linux runs on {cpus} CPUs", "root cell VM exits counted", "GIC distributor accesses emulated", "cell create", "cell runs", "cell stats", "cell destroy",
            $"after cell destroy: Linux runs on {cpus} CPUs", "isolation: an inmate writing into root RAM is stopped and destroyed",
            $"after the failed cell: Linux runs on {cpus} CPUs", $"disable refused while CPU {cpus - 1} is offline", "disable", $"after disable: Linux runs on {cpus} CPUs", "enable and disable again", "rmmod", "kernel log clean" })
            Assert.Contains($"jailhouse-test: ok {step}\n", console);
        Assert.Contains("jailhouse-image: test hypervisor passed", console);
        // Linux's IPIs trapped, its interrupts injected through the list registers (GICv3 and GICv2).
        Assert.Contains("jailhouse-test: ok SGIs trapped\n", console);
        Assert.Contains("jailhouse-test: ok interrupts injected through the list registers\n", console);
        if (cpuModel == MaxCpu)
        {
            // Linux stayed at EL1 (id_aa64mmfr1.vh=0 from the boot planner), used pointer
            // authentication throughout, and an EL0 SVE program ran on every CPU before, while
            // and after the hypervisor ran.
            Assert.Contains("CPU features: detected: Address authentication", console);
            Assert.DoesNotContain("CPU features: detected: Virtualization Host Extensions", console);
            foreach (string step in new[] { "before enable", "after enable", "after disable" })
                Assert.Contains($"jailhouse-test: ok {step}: SVE at EL0 on {cpus} CPUs\n", console);
            Assert.Matches(@"jailhouse-test: \| sve-probe: vector length \d+ bytes", console);
        }

        // The inmate-demo cell on CPU 1: created, uart-hello's greeting on the shared PL011, destroyed.
        Assert.Matches(@"(?m)^Created cell ""inmate-demo""\r?$", console);
        Assert.Contains("Hello from a Jailhouse inmate (arm64)", console);
        Assert.Matches(@"(?m)^Closing cell ""inmate-demo""\r?$", console);
        // Then gic-demo in the same cell: its own GIC set-up through the emulation, its virtual
        // timer's interrupts (GICv3: injected; GICv2: straight through the physical GICC)
        // arriving, latency lines on the shared PL011.
        foreach (string step in new[] { "gic-demo runs", "gic-demo cell destroy", $"after gic-demo: Linux runs on {cpus} CPUs" })
            Assert.Contains($"jailhouse-test: ok {step}\n", console);
        // Two or three latency lines in its three seconds.
        Assert.Matches(@"Timer: 10 interrupts, latency min \d+ ns, avg \d+ ns, max \d+ ns", console);

        // The configuration that matches the machine's GIC, and Linux really using that GIC.
        string system = gicVersion == 2 ? "qemu-arm64-gicv2.cell" : "qemu-arm64.cell";
        Assert.Contains($"jailhouse-test: | system configuration /etc/jailhouse/{system}\n", console);
        Assert.Matches($@"jailhouse-test: \| +\d+:( +\d+){{{cpus}}} +GICv{gicVersion} ", console);

        // Straight from the hypervisor on the PL011: its banner, its view of the configuration,
        // every CPU activated once and handed back once per enable (two of them).
        Assert.Equal(2, Regex.Count(console, @"(?m)^Jailhouse hypervisor in C# \(arm64\) initializing\r?$"));
        Assert.Matches($@"(?m)^Hypervisor memory: 0x7fc00000 \+ 0x400000, core 0x[0-9a-f]+, online CPUs {cpus}\r?$", console);
        for (int cpu = 0; cpu < cpus; cpu++)
        {
            Assert.Equal(2, Regex.Count(console, $@"(?m)^CPU {cpu} activated\r?$"));
            Assert.Equal(2, Regex.Count(console, $@"(?m)^Hypervisor disabled on CPU {cpu}\r?$"));
        }
        // The driver's view, and the hypervisor's log read back through the console page.
        Assert.Contains($"jailhouse: enabled: hypervisor running on {cpus} CPUs", console);
        Assert.Contains("jailhouse-test: | Jailhouse hypervisor in C# (arm64) initializing", console);
    }

    /// <summary>The root cell's lowest RAM (read, write, execute, not I/O) in configs/qemu-arm64, where
    /// bsp/common/tests/arm64/root-ram-writer.S stores: the address the FATAL line must name.</summary>
    private static ulong RootRamBase()
    {
        var root = HypervisorTestMemory.LoadYaml("configs/qemu-arm64/qemu-arm64.yaml");
        const MemoryFlags ram = MemoryFlags.Read | MemoryFlags.Write | MemoryFlags.Execute;
        return root.Cell.MemoryRegions.Where(r => (r.Flags & ram) == ram && (r.Flags & MemoryFlags.Io) == 0).Min(r => r.PhysStart);
    }
}
