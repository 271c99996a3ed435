using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Jailhouse.Binaries;
using Jailhouse.Boot;
using Jailhouse.Config.Model;
using Jailhouse.Hypervisor;

namespace Jailhouse.Tests.Hypervisor;

/// <summary>
/// One architecture's hypervisor image, once per test class: what `jailhouse hypervisor build`
/// (and so Cake) makes in artifacts/hypervisor/&lt;arch&gt;/, reused when its stamp is current.
/// </summary>
public abstract class HypervisorBuild : IDisposable
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("jailhouse-hv-").FullName;
    public HypervisorImage Image { get; }
    public string HypervisorSource { get; } = Path.Combine(Paths.RepositoryRoot, "hypervisor");
    public string IlcObject { get; }

    protected HypervisorBuild(string arch)
    {
        IlcObject = HypervisorLinker.IlcObject(HypervisorSource, "Release", arch);
        // The relink test needs ILCompiler's object too: without it, publish again.
        (Image, _) = HypervisorBuilder.Build(HypervisorSource, arch, "Release",
            Path.Combine(Paths.RepositoryRoot, "artifacts", "hypervisor", arch), force: !File.Exists(IlcObject));
    }

    public void Dispose()
    {
        System.IO.Directory.Delete(Directory, true);
        GC.SuppressFinalize(this);
    }
}

public sealed class Arm64HypervisorBuild() : HypervisorBuild("arm64");

public sealed class X86HypervisorBuild() : HypervisorBuild("x86");

/// <summary>The QEMU test classes publish the same project: one at a time.</summary>
[CollectionDefinition("hypervisor-build")]
public sealed class HypervisorBuildCollection;

/// <summary>
/// The arm64 image in bare-metal QEMU (virt, virtualization=on, GICv3, Cortex-A57): the test
/// plays the driver's part of the layout (image at the configuration's hypervisor address with
/// max_cpus and online_cpus filled in, the system configuration behind the per-CPU areas),
/// loader-arm64.S plays Linux's (hyp stub, entry call at EL1) and then acts as the root cell.
/// </summary>
[Collection("hypervisor-build")]
[Trait("Tier", "Images")]
public sealed partial class HypervisorQemuTests(Arm64HypervisorBuild build) : IClassFixture<Arm64HypervisorBuild>
{
    private const ulong HypervisorBase = BareMetalLoader.HypervisorBase;
    private static int runs;

    private string Loader(string name, params string[] symbols) => Loader(name, HypervisorBase, symbols);

    private string Loader(string name, ulong hypervisorBase, params string[] symbols) =>
        BareMetalLoader.Assemble(Paths.RepositoryRoot, build.Directory, name, hypervisorBase, symbols);

    private static byte[] RootCell(bool consolePermitted = true, int gicVersion = 3)
    {
        var model = HypervisorTestMemory.LoadYaml(gicVersion == 2 ? "configs/qemu-arm64/qemu-arm64-gicv2.yaml" : "configs/qemu-arm64/qemu-arm64.yaml");
        if (consolePermitted)
            model.Cell.Flags |= CellFlags.VirtualConsolePermitted;
        return HypervisorTestMemory.Compile(model);
    }

    private const string Machine = "virt,virtualization=on,gic-version=3";
    private const string MachineGicv2 = "virt,virtualization=on,gic-version=2";

    /// <summary>Runs QEMU until <paramref name="until"/> appears in the output (or the timeout, 20 s by
    /// default, passes); returns the output.</summary>
    private string Run(string loader, byte[] config, string until, uint onlineCpus = 1, ulong hypervisorBase = HypervisorBase,
        string machine = Machine, string[]? extraArguments = null, int timeoutSeconds = 20,
        string? inputAfter = null, string? input = null, string cpu = "cortex-a57")
    {
        byte[] image = BareMetalLoader.Image(File.ReadAllBytes(build.Image.BinPath), onlineCpus);
        string imagePath = Path.Combine(build.Directory, $"loaded-{Interlocked.Increment(ref runs)}.bin");
        string configPath = imagePath + ".cell";
        File.WriteAllBytes(imagePath, image);
        File.WriteAllBytes(configPath, config);
        ulong configAddress = BareMetalLoader.ConfigAddress(hypervisorBase, build.Image.CoreSize, build.Image.PerCpuSize);

        var info = new ProcessStartInfo("qemu-system-aarch64")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (string argument in new[]
        {
            "-M", machine, "-cpu", cpu, "-smp", onlineCpus.ToString(CultureInfo.InvariantCulture), "-m", "1G", "-nographic",
            "-kernel", loader,
            "-device", $"loader,file={imagePath},addr=0x{hypervisorBase:x},force-raw=on",
            "-device", $"loader,file={configPath},addr=0x{configAddress:x},force-raw=on",
        }.Concat(extraArguments ?? []))
            info.ArgumentList.Add(argument);
        using var qemu = Process.Start(info)!;
        var output = new StringBuilder();
        var seen = new ManualResetEventSlim();
        qemu.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                seen.Set();
                return;
            }
            lock (output)
                output.Append(e.Data.TrimEnd('\r')).Append('\n');
            if (inputAfter is not null && e.Data.Contains(inputAfter, StringComparison.Ordinal))
            {
                // Typed on the serial console once the guest is ready for it.
                qemu.StandardInput.Write(input);
                qemu.StandardInput.Flush();
            }
            if (e.Data.Contains(until, StringComparison.Ordinal))
                seen.Set();
        };
        qemu.BeginOutputReadLine();
        bool finished = seen.Wait(TimeSpan.FromSeconds(timeoutSeconds));
        if (!qemu.HasExited)
            qemu.Kill();
        qemu.WaitForExit();
        lock (output)
        {
            string text = output.ToString();
            Assert.True(finished && text.Contains(until, StringComparison.Ordinal), $"QEMU did not print \"{until}\":\n{text}");
            return text;
        }
    }

    [Fact]
    public void EnableRunsCsharpAtEl2AndTheRootCellContinuesUnderStage2()
    {
        string output = Run(Loader("loader"), RootCell(), "loader: done");
        string[] expected =
        [
            "loader: calling the hypervisor entry",
            "Jailhouse hypervisor in C# (arm64) initializing",
            "System configuration: root cell \"qemu-arm64\", 16 CPUs, 12 memory regions",
            $"Hypervisor memory: 0x7fc00000 + 0x400000, core 0x{build.Image.CoreSize:x}, online CPUs 1",
            "CPU 0 activated",
            "loader: entry returned 0000000000000000",
            "loader: cpu 0 state 0000000000000000",
            "loader: cell 0 state 0000000000000000",
            "loader: cell 5 state fffffffffffffffe",           // -ENOENT
            "loader: cells 0000000000000001",
            "hello from the root cell via hypercall",           // printed by the hypervisor, one putc each
            "loader: putc 0000000000000000",
            "loader: console Jailhouse hypervisor in C# (arm64) initializing", // the console page, read by the root cell
            "loader: hypercalls 000000000000002c",              // 5 + 39 characters, this query is the 45th
            "loader: unknown hypercall ffffffffffffffda",       // -ENOSYS
            "loader: psci version 0000000000010001",            // QEMU's PSCI 1.1, through the hypervisor
            "loader: psci cpu_on fffffffffffffffe",             // INVALID_PARAMETERS: CPU 1 never entered, so no CPU of
                                                                // the cell has its MPIDR (nothing starts outside the hypervisor)
            "loader: sip call ffffffffffffffff",                // NOT_SUPPORTED
            "loader: psci cpu_on32 fffffffffffffffc",           // ALREADY_ON for CPU 0: bits 63:32 of an SMC32 argument ignored
            "loader: psci system_off ffffffffffffffff",         // NOT_SUPPORTED, as upstream: QEMU did not power off
            "loader: psci system_reset ffffffffffffffff",
            "loader: exits for dc isw 0000000000000002",        // the set/way operation trapped (TSW), and this query
            "Hypervisor disabled on CPU 0",
            "loader: disable 0000000000000000",
            "loader: after disable 000000000badca11",           // Linux's stub owns EL2 again
            "loader: done",
        ];
        int position = 0;
        foreach (string line in expected)
        {
            int found = output.IndexOf(line + "\n", position, StringComparison.Ordinal);
            Assert.True(found >= 0, $"expected \"{line}\" after position {position} in:\n{output}");
            position = found + line.Length;
        }
        Assert.Contains("Root cell stage 2: root table at 0x7fc", output);
        // Everything printed up to the tail query went to the console page too (without the UART's CRs).
        int printed = output[output.IndexOf("\nJailhouse hypervisor", StringComparison.Ordinal)..output.IndexOf("loader: console tail", StringComparison.Ordinal)]
            .Split('\n').Where(line => !line.StartsWith("loader:", StringComparison.Ordinal)).Sum(line => line.Length + 1) - 1;
        Assert.Contains($"loader: console tail {printed:x16}\n", output);
    }

    [Fact]
    public void TwoCpusMeetInEntryAndBothReturnAsRootCellCpus()
    {
        string output = Run(Loader("smp", "SECOND_CPU"), RootCell(), "loader: done", onlineCpus: 2);
        Assert.Contains("online CPUs 2\n", output);
        Assert.Contains("CPU 0 activated\n", output);
        Assert.Contains("CPU 1 activated\n", output);
        Assert.Contains("loader: entry returned 0000000000000000\n", output);
        Assert.Contains("loader: cpu 1 entry returned 0000000000000000\n", output);
        Assert.Contains("loader: cpu 1 state 0000000000000000\n", output);
        // Global setup ran once: one banner, one stage-2 build.
        Assert.Single(output.Split('\n'), line => line.StartsWith("Root cell stage 2:", StringComparison.Ordinal));
        Assert.Contains("loader: after disable 000000000badca11\n", output);
    }

    /// <summary>Enables the hypervisor on two CPUs, then boots Debian's kernel and the board's
    /// initramfs as the root cell with <paramref name="bootargs"/>; runs until <paramref name="until"/>.</summary>
    private string BootLinux(string bootargs, string until, string? inputAfter = null, string? input = null)
    {
        string kernel = Path.Combine(Paths.RepositoryRoot, "artifacts", "qemu-arm64", "kernel", "Image");
        string initrd = Path.Combine(Paths.RepositoryRoot, "artifacts", "qemu-arm64", "initrd.img");
        Assert.True(File.Exists(kernel) && File.Exists(initrd),
            $"{kernel} or {initrd} is missing: run `dotnet cake --target=Assemble --board=qemu-arm64` (./test.sh does)");

        // QEMU's own device tree for this machine (no ITS: nothing maps it yet), with the
        // command line and the initrd at 0x48000000 where QEMU would put it.
        const string machine = Machine + ",its=off";
        string dtb = QemuDeviceTree.Dump(Path.Combine(build.Directory, $"virt-{Interlocked.Increment(ref runs)}.dtb"), machine, "cortex-a57", 2, "1G",
            extra: ["-kernel", kernel, "-initrd", initrd, "-append", bootargs]);
        Assert.Equal("48000000", Tool.Stdout("fdtget", "-t", "x", dtb, "/chosen", "linux,initrd-start").Trim());

        return Run(Loader("linux", HypervisorBase, "LINUX_ROOT_CELL", "SECOND_CPU", "DTB_ADDR=0x47f00000", "KERNEL_ADDR=0x40200000"),
            RootCell(), until, onlineCpus: 2, machine: machine, timeoutSeconds: 120, inputAfter: inputAfter, input: input, extraArguments:
            [
                "-device", $"loader,file={dtb},addr=0x47f00000,force-raw=on",
                "-device", $"loader,file={kernel},addr=0x40200000,force-raw=on",
                "-device", $"loader,file={initrd},addr=0x48000000,force-raw=on",
            ]);
    }

    /// <summary>
    /// From a shell in the root cell, /dev/mem shows what the driver will see of hypervisor
    /// memory: zeros from the empty page, the hypervisor's log in the console page, and a
    /// stage-2 fault on a write.
    /// </summary>
    [Fact]
    public void LinuxInTheRootCellReadsTheConsolePageAndCannotWriteHypervisorMemory()
    {
        ulong console = HypervisorBase + build.Image.ConsolePageOffset;
        string commands = $"devmem 0x{HypervisorBase:x} 64\ndevmem 0x{console + 8:x} 32\ndevmem 0x{HypervisorBase:x} 32 1\n";
        string output = BootLinux("console=ttyAMA0 mem=0x3fa00000 rdinit=/init jailhouse.shell", "stopped", "jailhouse-image: ready", commands);
        Assert.Contains("\n0x0000000000000000\n", output);                   // header page: the empty page
        Assert.Contains("\n0x69614A0A\n", output);                           // console content: "\nJai"
        Assert.Contains($"FATAL: Invalid MMIO write, addr: 0x{HypervisorBase:x16} size: 4\n", output);   // the write, trapped
        Assert.Matches("Cell \"qemu-arm64\", CPU [01], ELR 0x[0-9a-f]+: CPU [01] stopped\n", output);   // whichever CPU ran devmem
    }

    /// <summary>
    /// Debian's arm64 kernel and the board's initramfs (`dotnet cake --target=Assemble
    /// --board=qemu-arm64`, which ./test.sh runs first) boot as the root cell under the
    /// hypervisor on two CPUs: both enter the hypervisor, CPU 1 turns itself off (PSCI CPU_OFF,
    /// waiting in the hypervisor), Linux starts at EL1 on CPU 0 in the root cell's memory
    /// (mem= keeps it inside its RAM region) and brings CPU 1 up through the emulated CPU_ON;
    /// /init's power-off reaches "Power down", and the SYSTEM_OFF call itself is refused (as upstream).
    /// </summary>
    [Fact]
    public void DebianLinuxBootsAsTheRootCellOnTwoCpusAndPowersOffThroughTheHypervisor()
    {
        string output = BootLinux("console=ttyAMA0 mem=0x3fa00000 rdinit=/init", "reboot: Power down");
        Assert.Contains("loader: entry returned 0000000000000000\n", output);
        Assert.Contains("Booting Linux on physical CPU 0x0000000000", output);
        Assert.Contains("CPU: All CPU(s) started at EL1", output);
        Assert.Contains("psci: PSCIv1.1 detected in firmware.", output); // PSCI_VERSION forwarded by the hypervisor
        Assert.Contains("CPU1: Booted secondary processor 0x0000000001", output); // emulated CPU_ON
        Assert.Contains("SMP: Total of 2 processors activated.", output);
        Assert.Contains("jailhouse-image: iomem 40000000-7f9fffff : System RAM\n", output);
        Assert.Contains("jailhouse-image: ready\n", output);
        Assert.DoesNotContain("Unhandled trap", output);
    }

    [Fact]
    public void TheRootCellSeesAnEmptyReadOnlyShadowOfHypervisorMemory()
    {
        string output = Run(Loader("probe", "PROBE_HYPERVISOR_MEMORY"), RootCell(), "stopped");
        // The header starts with "JAILHOUS"; the root cell reads the empty page instead.
        Assert.Contains("loader: hypervisor memory reads 0000000000000000\n", output);
        // The data abort of `str xzr` (described: ISV) finds no MMIO handler: upstream's FATAL line.
        Assert.Contains("FATAL: Invalid MMIO write, addr: 0x000000007fc00000 size: 8\n", output);
        Assert.Contains("Cell \"", output);
        Assert.DoesNotContain("hypervisor memory was writable", output);
    }

    /// <summary>A comm-region memory region added to the root cell shows the page the hypervisor
    /// filled: "JHCOMM", ABI revision 2, then the GIC part (version 3, distributor base).</summary>
    [Fact]
    public void TheRootCellReadsItsFilledCommunicationRegion()
    {
        const ulong commVirt = 0x80000000; // beyond RAM and the MMIO regions of the configuration
        var model = HypervisorTestMemory.LoadYaml("configs/qemu-arm64/qemu-arm64.yaml");
        model.Cell.MemoryRegions.Add(new Jailhouse.Config.Model.MemoryRegion
        {
            PhysStart = 0, VirtStart = commVirt, Size = 0x1000,
            Flags = MemoryFlags.Read | MemoryFlags.Write | MemoryFlags.CommRegion,
        });
        string output = Run(Loader("comm", "PROBE_COMM_REGION", $"COMM_VIRT=0x{commVirt:x}"), HypervisorTestMemory.Compile(model), "loader: done");
        // Little endian: 'J' 'H' 'C' 'O' 'M' 'M', then revision 2 as a 16-bit word.
        Assert.Contains("loader: comm region header 00024d4d4f43484a\n", output);
        Assert.Contains("loader: comm region gic version 0000000000000003\n", output);
        Assert.Contains("loader: comm region gicd base 0000000008000000\n", output);
        Assert.DoesNotContain("Unhandled trap", output);
    }

    /// <summary>
    /// GICv3 redistributors trap: before entry the loader (as Linux) sets CPU 0's GICR_PROPBASER;
    /// under the hypervisor PROPBASER reads 0 and a write pointing PROPBASER and PENDBASER at
    /// hypervisor memory is ignored (after disable the GIC still holds the value from before),
    /// while TYPER and the SGI frame (ISENABLER0) work through the emulation, counted as MMIO exits.
    /// </summary>
    [Theory]
    [InlineData("cortex-a57")]
    [InlineData(MaxCpu)]
    public void Lpi_tables_cannot_be_pointed_at_hypervisor_memory_through_the_redistributor(string cpu)
    {
        const ulong before = 0x4180_0000 | 0x7;
        string output = Run(Loader("gicr", "PROBE_REDISTRIBUTOR", "GICR_BASE=0x080a0000", $"PROPBASER_BEFORE=0x{before:x}"),
            RootCell(), "loader: done", cpu: cpu);
        Assert.Contains("loader: entry returned 0000000000000000\n", output);
        Assert.Equal(2, Regex.Matches(output, "loader: gicr propbaser 0000000000000000\n").Count);
        Assert.Contains("loader: gicr typer 0000000001000010\n", output);          // affinity 0.0.0.0, Last (one CPU), no PLPIS
        Assert.Contains("loader: gicr isenabler0 0000000008000000\n", output);
        Assert.Contains("loader: mmio exits 0000000000000007\n", output);          // the 7 GICR accesses
        Assert.Contains("loader: disable 0000000000000000\n", output);
        Assert.Contains($"loader: gicr propbaser after disable {before:x16}\n", output);
        Assert.DoesNotContain("Unhandled trap", output);
        Assert.DoesNotContain("FATAL", output);
    }

    /// <summary>
    /// Interrupt virtualization: with HCR_EL2.IMO the EL1 virtual timer's PPI is taken at EL2 and
    /// injected through a list register (the loader's handler reads INTID 27 from the virtual CPU
    /// interface: GICv3 ICC_IAR1_EL1, GICv2 GICV_IAR where its GICC is), an SGI to itself and one
    /// to CPU 1 go through the trapped ICC_SGI1R_EL1 (GICv2: the emulated GICD_SGIR) and arrive
    /// (INTIDs 3 and 4); CPU_GET_INFO counts the injections and the trapped SGIs; disable still
    /// works. Then ten SGIs at once, more than the list registers hold: the overflow waits in
    /// the hypervisor's queue and comes in on the underflow maintenance interrupt.
    /// </summary>
    [Theory]
    [InlineData("cortex-a57", 3)]
    [InlineData(MaxCpu, 3)]
    [InlineData("cortex-a57", 2)]
    [InlineData(MaxCpu, 2)]
    public void Interrupts_reach_the_root_cell_through_the_list_registers(string cpu, int gicVersion)
    {
        string[] gic = gicVersion == 2 ? ["GICV2", "GICC_BASE=0x08010000"] : ["GICR_BASE=0x080a0000"];
        string output = Run(Loader($"irq-v{gicVersion}", ["PROBE_IRQ", "SECOND_CPU", "GICD_BASE=0x08000000", .. gic]),
            RootCell(gicVersion: gicVersion), "loader: done", onlineCpus: 2, cpu: cpu, machine: gicVersion == 2 ? MachineGicv2 : Machine);
        Assert.Contains("loader: entry returned 0000000000000000\n", output);
        Assert.Contains("loader: irq virtual timer 000000000000001b\n", output);
        Assert.Contains("loader: irq sgi to self 0000000000000003\n", output);
        Assert.Contains("loader: irq sgi on cpu 1 0000000000000004\n", output);
        Assert.Contains("loader: injected interrupts 0000000000000002\n", output);   // on CPU 0: the timer, SGI 3
        Assert.Contains("loader: trapped sgis 0000000000000002\n", output);
        // Then SGIs 0-9 at once, more than QEMU's 4 list registers: all ten arrive, the ones that
        // waited in the queue through the underflow maintenance interrupt.
        Assert.True(output.Contains("loader: irq burst seen 00000000000003ff\n", StringComparison.Ordinal), output);
        Match maintenance = Regex.Match(output, "loader: maintenance interrupts ([0-9a-f]{16})\n");
        Assert.True(maintenance.Success && Convert.ToUInt64(maintenance.Groups[1].Value, 16) > 0, output);
        Assert.Contains("loader: disable 0000000000000000\n", output);
        Assert.DoesNotContain("Unhandled trap", output);
        Assert.DoesNotContain("FATAL", output);
    }

    /// <summary>
    /// With the UART's first 0x48 bytes as a sub-page region (io-8, io-32), its page is not
    /// mapped at stage 2: the loader's prints after entry trap and the hypervisor performs them
    /// (counted as MMIO exits); a read in the same page outside the region stops the CPU with
    /// upstream's FATAL line.
    /// </summary>
    [Fact]
    public void ASubpageUartRegionIsEmulatedAndTheRestOfItsPageIsRefused()
    {
        var model = HypervisorTestMemory.LoadYaml("configs/qemu-arm64/qemu-arm64.yaml");
        model.Cell.Flags |= CellFlags.VirtualConsolePermitted;
        var regions = model.Cell.MemoryRegions;
        var mmio = regions.Single(r => r.Name == "mmio");
        mmio.PhysStart += 0x1000;
        mmio.VirtStart += 0x1000;
        mmio.Size -= 0x1000;
        regions.Insert(regions.IndexOf(mmio), new Jailhouse.Config.Model.MemoryRegion
        {
            PhysStart = 0x0900_0000, VirtStart = 0x0900_0000, Size = 0x48,
            Flags = MemoryFlags.Read | MemoryFlags.Write | MemoryFlags.Io | MemoryFlags.Io8 | MemoryFlags.Io32,
        });
        string output = Run(Loader("subpage", "PROBE_SUBPAGE_UART"), HypervisorTestMemory.Compile(model), "stopped");
        Assert.Contains("loader: printing through the sub-page UART\n", output);
        Match exits = Regex.Match(output, "loader: mmio exits ([0-9a-f]{16})\n");
        Assert.True(exits.Success, output);
        // Every character of the line above: a flag-register read and a data-register write at least.
        Assert.True(Convert.ToUInt64(exits.Groups[1].Value, 16) >= 2 * 44, exits.Value);
        Assert.Contains("FATAL: Invalid MMIO read, addr: 0x0000000009000ffc size: 4\n", output);
        Assert.DoesNotContain("loader: read outside the sub-page region", output);
    }

    /// <summary>QEMU's newest CPU (VHE, pointer authentication, SVE, SME, MTE); pauth-impdef keeps
    /// the instructions but spares TCG the architected algorithm.</summary>
    private const string MaxCpu = "max,pauth-impdef=on";

    [GeneratedRegex(@"loader: el2 (before|after)((?: [0-9a-f]{16}){8})\n")]
    private static partial Regex El2StateLine();

    /// <summary>
    /// The loader leaves EL2 as Linux does on the CPU (HCR_EL2 with pointer authentication and
    /// MTE untrapped, CPTR_EL2 with SVE untrapped at the longest vector) plus distinctive
    /// values in registers only the hypervisor uses (TCR, MAIR, TTBR0, TPIDR, SP), and reads
    /// them through its stub before entry and after disable (or a failed entry): they must be
    /// the same. Between, and after, it uses what the CPU has from EL1: SVE registers across a
    /// hypercall (all vector bits, a predicate), PACGA, an MTE register.
    /// </summary>
    [Theory]
    [Trait("Tier", "Images")]
    [InlineData("cortex-a57", false)]
    [InlineData(MaxCpu, false)]
    [InlineData(MaxCpu, true)]
    public void El2GoesBackExactlyAsTheCallerLeftItAndEl1KeepsTheCpusFeatures(string cpu, bool failEntry)
    {
        byte[] config = RootCell();
        if (failEntry)
            config[6] = 13; // revision: the configuration check fails after EL2 was taken
        string output = Run(Loader("el2-state", "EL2_STATE"), config, "loader: done", cpu: cpu,
            machine: cpu == MaxCpu ? Machine + ",mte=on" : Machine);
        Assert.DoesNotContain("Unhandled trap", output);
        Assert.Contains(failEntry ? "loader: entry returned ffffffffffffffea\n" : "loader: entry returned 0000000000000000\n", output);
        var lines = El2StateLine().Matches(output).ToList();
        Assert.True(lines.Count == 2, output);
        Assert.Equal(("before", "after"), (lines[0].Groups[1].Value, lines[1].Groups[1].Value));
        Assert.Equal(lines[0].Groups[2].Value, lines[1].Groups[2].Value);
        if (cpu != MaxCpu)
            return;
        ulong[] before = lines[0].Groups[2].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => Convert.ToUInt64(v, 16)).ToArray();
        Assert.Equal(3UL, (before[0] >> 40) & 3);       // HCR_EL2.API, APK: what the test is about
        Assert.Equal(1UL, (before[0] >> 56) & 1);       // HCR_EL2.ATA
        Assert.Equal(0UL, (before[1] >> 8) & 1);        // CPTR_EL2.TZ clear
        // While enabled (unless entry failed) and after: the whole vector survived the trap.
        int uses = failEntry ? 1 : 2;
        var vectorLengths = Regex.Matches(output, "loader: sve vector length ([0-9a-f]{16})\n").Select(m => Convert.ToUInt64(m.Groups[1].Value, 16)).ToList();
        Assert.Equal(uses, vectorLengths.Count);
        ulong vl = vectorLengths[0];
        Assert.True(vl > 16, $"vector length {vl} bytes: a q register would do");
        Assert.Equal(uses, Regex.Count(output, $"loader: sve z0 sum {vl * (vl - 1) / 2:x16}\n"));
        Assert.Equal(uses, Regex.Count(output, "loader: sve p3 count 0000000000000008\n"));
        Assert.Equal(uses, Regex.Count(output, "loader: pacga ran\n"));
        Assert.Equal(uses, Regex.Count(output, "loader: mte register read\n"));
    }

    /// <summary>
    /// CPU 1 stops on an unhandled trap (an ACTLR_EL1 read) after entry: CPU_GET_INFO reports it
    /// failed, disable is refused while it is held in the hypervisor, and CPU 0 goes on (its
    /// lines and hypercalls keep coming: CPU 1 gave the console back).
    /// </summary>
    [Fact]
    public void A_cpu_stopped_by_a_trap_shows_as_failed_and_disable_is_refused()
    {
        string output = Run(Loader("smp-fail", "SECOND_CPU", "SECOND_CPU_FAILS"), RootCell(), "loader: done", onlineCpus: 2);
        Assert.True(Regex.IsMatch(output, "Unhandled trap: EC 0x18 ESR 0x[0-9a-f]+ ELR 0x[0-9a-f]+\nCPU 1 stopped\n"), output);
        Assert.Contains("loader: cpu 1 state 0000000000000002\n", output);   // JAILHOUSE_CPU_FAILED
        Assert.Contains("loader: disable fffffffffffffff0\n", output);       // -EBUSY
        Assert.Contains("loader: after disable 0000000000000000\n", output); // still in the hypervisor
    }

    /// <summary>CPU 1 is online but the root cell has CPUs 0 and 2-15: entry fails on both CPUs
    /// (nobody waits for it forever, nobody runs on outside the root cell).</summary>
    [Fact]
    public void AnOnlineCpuOutsideTheRootCellFailsEntryOnEveryCpu()
    {
        var model = HypervisorTestMemory.LoadYaml("configs/qemu-arm64/qemu-arm64.yaml");
        model.Cell.Flags |= CellFlags.VirtualConsolePermitted;
        model.Cell.Cpus.Remove(1);
        string output = Run(Loader("smp", "SECOND_CPU"), HypervisorTestMemory.Compile(model), "loader: done", onlineCpus: 2);
        Assert.Contains("CPU 1 is online but not in the root cell\n", output);
        Assert.Contains("loader: entry returned ffffffffffffffea\n", output);
        Assert.Contains("loader: cpu 1 entry returned ffffffffffffffea\n", output);
        Assert.Contains("loader: after failure 000000000badca11\n", output);
        Assert.DoesNotContain("activated", output);
    }

    /// <summary>HCR_EL2.TAC, as upstream: the root cell's ACTLR_EL1 access traps and, being no
    /// access the hypervisor handles, stops the CPU with the trap report (EC 0x18).</summary>
    [Fact]
    public void An_actlr_access_of_the_root_cell_traps()
    {
        string output = Run(Loader("actlr", "PROBE_ACTLR"), RootCell(), "stopped");
        Assert.Matches("Unhandled trap: EC 0x18 ESR 0x[0-9a-f]+ ELR 0x[0-9a-f]+\nCPU 0 stopped\n", output);
        Assert.DoesNotContain("loader: actlr_el1 read", output);
    }

    [Fact]
    public void PutcWithoutTheCellsPermissionIsRefused()
    {
        string output = Run(Loader("loader"), RootCell(consolePermitted: false), "loader: done");
        Assert.Contains("loader: putc ffffffffffffffff\n", output);          // -EPERM
        Assert.DoesNotContain("hello from the root cell", output);
    }

    [Fact]
    public void ABrokenConfigurationFailsEntryAndHandsEl2Back()
    {
        byte[] config = RootCell();
        config[6] = 13; // revision
        string output = Run(Loader("loader"), config, "loader: done");
        Assert.Contains("invalid system configuration\n", output);
        Assert.Contains("loader: entry returned ffffffffffffffea\n", output); // -EINVAL
        Assert.Contains("loader: after failure 000000000badca11\n", output);
    }

    [Fact]
    public void HypervisorMemoryOffA2MiBBoundaryIsRefusedBeforeEl2IsTouched()
    {
        var model = HypervisorTestMemory.LoadYaml("configs/qemu-arm64/qemu-arm64.yaml");
        model.System!.HypervisorMemory.PhysStart = 0x7fd00000;
        model.System.HypervisorMemory.Size = 0x300000;
        string output = Run(Loader("loader-7fd", 0x7fd00000), HypervisorTestMemory.Compile(model), "loader: done", hypervisorBase: 0x7fd00000);
        Assert.Contains("loader: entry returned ffffffffffffffea\n", output);
        Assert.Contains("loader: after failure 000000000badca11\n", output);
        Assert.DoesNotContain("Jailhouse hypervisor in C#", output);
    }

    /// <summary>The bootstrap tables hold hypervisor memory in 2 MiB blocks of one L2 table, the
    /// first entry being the UART's: 1 GiB would write one entry past the table.</summary>
    [Fact]
    public void HypervisorMemoryLargerThanTheBootstrapTableIsRefusedBeforeEl2IsTouched()
    {
        var model = HypervisorTestMemory.LoadYaml("configs/qemu-arm64/qemu-arm64.yaml");
        model.System!.HypervisorMemory.Size = 0x4000_0000;
        string output = Run(Loader("loader"), HypervisorTestMemory.Compile(model), "loader: done");
        Assert.Contains("loader: entry returned ffffffffffffffea\n", output);
        Assert.Contains("loader: after failure 000000000badca11\n", output);
        Assert.DoesNotContain("Jailhouse hypervisor in C#", output);
    }

    [Fact]
    public void AnImageLoadedElsewhereThanTheConfiguredHypervisorMemoryFailsEntry()
    {
        var model = HypervisorTestMemory.LoadYaml("configs/qemu-arm64/qemu-arm64.yaml");
        model.Cell.Flags |= CellFlags.VirtualConsolePermitted;
        model.System!.HypervisorMemory.PhysStart = 0x7fe00000; // the image sits at 0x7fc00000
        model.System.HypervisorMemory.Size = 0x200000;
        string output = Run(Loader("loader"), HypervisorTestMemory.Compile(model), "loader: done");
        Assert.Contains("loader: entry returned ffffffffffffffea\n", output);
        Assert.Contains("loader: after failure 000000000badca11\n", output);
        Assert.DoesNotContain("Jailhouse hypervisor in C#", output);
    }

    [Fact]
    public void ACpuIdBeyondMaxCpusIsRefusedBeforeEl2IsTouched()
    {
        string output = Run(Loader("cpu16", "ENTRY_CPU_ID=16"), RootCell(), "loader: done");
        Assert.Contains("loader: entry returned ffffffffffffffea\n", output);   // -EINVAL: max_cpus is 16
        Assert.Contains("loader: after failure 000000000badca11\n", output);
        Assert.DoesNotContain("Jailhouse hypervisor in C#", output);
    }

    [Fact]
    public void LinkingAgainGivesTheSameBytesAndTheHeaderMatchesTheSymbols()
    {
        var again = HypervisorLinker.Link(build.HypervisorSource, "arm64", build.IlcObject, Path.Combine(build.Directory, "again"));
        Assert.Equal(File.ReadAllBytes(build.Image.BinPath), File.ReadAllBytes(again.BinPath));
        Assert.Equal(File.ReadAllBytes(build.Image.ElfPath), File.ReadAllBytes(again.ElfPath));

        var symbols = Tool.Stdout("aarch64-linux-gnu-nm", build.Image.ElfPath)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' '))
            .Where(parts => parts.Length == 3)
            .ToDictionary(parts => parts[2], parts => Convert.ToUInt64(parts[0], 16));
        ulong start = symbols["hypervisor_header"];
        Assert.Equal(0xffffc0200000UL, start);
        Assert.Equal(symbols["arch_entry"] - start, build.Image.EntryOffset);
        Assert.Equal(symbols["__page_pool"] - start, build.Image.CoreSize);
        Assert.Equal(symbols["__console_page"] - start, build.Image.ConsolePageOffset);
        Assert.Equal(0UL, symbols["hyp_vectors"] & 0x7ff);                    // VBAR_EL2 needs 2 KiB alignment
        // The assembly calls these by name with their C# signatures: each must be the method the
        // contract names. A [RuntimeExport] separated from its method by a new one in between
        // exports the wrong method and ILCompiler drops the intended one unnoticed (271c0f8:
        // hypervisor_init became Setup.ReportDisabled and nothing initialized).
        foreach (var (export, method) in new[]
        {
            ("hypervisor_init", "Setup__Init"), ("arch_handle_trap", "Traps__Handle"),
            ("arch_unexpected_exception", "Traps__Unexpected"), ("arch_hypervisor_fault", "Traps__HypervisorFault"),
            ("arch_handle_irq", "Irqchip__HandleIrq"),
        })
        {
            Assert.True(symbols.ContainsKey("jailhouse_Jailhouse_Hypervisor_" + method), $"{method} is not in the image");
            Assert.Equal(symbols["jailhouse_Jailhouse_Hypervisor_" + method], symbols[export]);
        }
        // The image, then a per-CPU area for every CPU, must leave qemu-arm64's hypervisor
        // memory room for the page pool (the enable would fail otherwise).
        var system = HypervisorTestMemory.LoadYaml("configs/qemu-arm64/qemu-arm64.yaml");
        ulong cpus = (ulong)system.Cell.Cpus.Max() + 1;
        ulong used = build.Image.CoreSize + cpus * build.Image.PerCpuSize;
        Assert.True(used < system.System!.HypervisorMemory.Size, $"image {build.Image.Size} bytes, core and per-CPU areas 0x{used:x}");
    }
}
