using System.Globalization;
using Jailhouse.Binaries;
using Jailhouse.Config.Model;

namespace Jailhouse.Tests.Hypervisor;

/// <summary>
/// Non-root cells on bare-metal QEMU (two CPUs, GICv3; the isolation tests and the busy C# inmate also on GICv2): the loader plays the driver. CPU 1
/// goes off as Linux's remove_cpu does; CPU 0 creates the inmate-demo cell from
/// configs/qemu-arm64/, makes it loadable, copies an inmate into its RAM, starts it, reads its
/// state, destroys it, runs 100 more rounds and turns CPU 1 back on in the root cell.
/// </summary>
public sealed partial class HypervisorQemuTests
{
    private const ulong CellRam = BareMetalLoader.CellRam;

    /// <summary>Assembles and links <paramref name="source"/> at address 0 and returns the flat binary's path.</summary>
    private string Inmate(string name, string source, params string[] symbols)
    {
        string obj = Path.Combine(build.Directory, name + ".o");
        string elf = Path.Combine(build.Directory, name + ".elf");
        string bin = Path.Combine(build.Directory, name + ".bin");
        var arguments = new List<string>();
        foreach (string symbol in symbols)
            arguments.AddRange(["--defsym", symbol + "=1"]);
        Tool.Ok("aarch64-linux-gnu-as", [.. arguments, "-o", obj, source]);
        Tool.Ok("aarch64-linux-gnu-ld", "-Ttext=0", "-e", "_start", "-o", elf, obj);
        Tool.Ok("aarch64-linux-gnu-objcopy", "-O", "binary", elf, bin);
        return bin;
    }

    private static Jailhouse.Config.Model.JailhouseConfig DemoCell() => HypervisorTestMemory.LoadYaml("configs/qemu-arm64/qemu-arm64-inmate-demo.yaml");

    private string RunCellTest(string inmate, int cycles, string until = "loader: done", params string[] symbols) =>
        RunCellTest(DemoCell(), inmate, cycles, 3, until, symbols);

    private string RunCellTest(string inmate, int cycles, int gicVersion, string until = "loader: done", params string[] symbols) =>
        RunCellTest(DemoCell(), inmate, cycles, gicVersion, until, symbols);

    private string RunCellTest(Jailhouse.Config.Model.JailhouseConfig cell, string inmate, int cycles, string until, params string[] symbols) =>
        RunCellTest(cell, inmate, cycles, 3, until, symbols);

    private string RunCellTest(Jailhouse.Config.Model.JailhouseConfig cell, string inmate, int cycles, int gicVersion, string until, params string[] symbols)
    {
        string cellConfig = Path.Combine(build.Directory, $"inmate-demo-{Interlocked.Increment(ref runs)}.cell");
        File.WriteAllBytes(cellConfig, HypervisorTestMemory.Compile(cell));
        long size = new FileInfo(inmate).Length;
        string[] loaderSymbols = [.. BareMetalLoader.CellTestSymbols(size, cycles, gicVersion), .. symbols];
        string loader = Loader($"cells-{Path.GetFileNameWithoutExtension(inmate)}-{cycles}-{symbols.Length}-v{gicVersion}", loaderSymbols);
        return Run(loader, RootCell(gicVersion: gicVersion), until, onlineCpus: 2, timeoutSeconds: 120, machine: gicVersion == 2 ? MachineGicv2 : Machine,
            extraArguments: BareMetalLoader.CellTestDevices(cellConfig, inmate));
    }

    private static void InOrder(string output, params string[] lines)
    {
        int position = 0;
        foreach (string line in lines)
        {
            int found = output.IndexOf(line, position, StringComparison.Ordinal);
            Assert.True(found >= 0, $"expected \"{line}\" after position {position} in:\n{output}");
            position = found + line.Length;
        }
    }

    /// <summary>Destroy succeeded and the cell fell silent: no <paramref name="cellLine"/> after it,
    /// and <paramref name="after"/> in order from the destroy on.</summary>
    private static void SilentAfterDestroy(string output, string cellLine, params string[] after)
    {
        const string destroyed = "loader: cell destroy 0000000000000000\n";
        int destroyedAt = output.IndexOf(destroyed, StringComparison.Ordinal);
        Assert.True(destroyedAt >= 0, output);
        Assert.True(output.LastIndexOf(cellLine, StringComparison.Ordinal) < destroyedAt, output);
        InOrder(output[destroyedAt..], [destroyed, .. after]);
    }

    private static string PoolUsed(string output, int which) =>
        output.Split('\n').Where(line => line.StartsWith("loader: mem_pool_used ", StringComparison.Ordinal)).ElementAt(which);

    [Fact]
    public void A_cell_runs_uart_hello_and_its_cpu_comes_back_after_destroy()
    {
        string uartHello = Inmate("uart-hello", Path.Combine(Paths.RepositoryRoot, "inmates", "arm64", "uart-hello.S"));
        string output = RunCellTest(uartHello, cycles: 100);
        InOrder(output,
            "Created cell \"inmate-demo\"",
            "loader: cell create 0000000000000001\n",
            "Cell \"inmate-demo\" can be loaded",
            "loader: cell set loadable 0000000000000000\n",
            "Started cell \"inmate-demo\"",
            "Hello from a Jailhouse inmate (arm64)",
            "loader: cell start 0000000000000000\n",
            "loader: cell 1 state 0000000000000000\n",          // running
            "loader: cpu 1 state 0000000000000000\n",
            "Closing cell \"inmate-demo\"",
            "loader: cell destroy 0000000000000000\n",
            "loader: cell destroy fffffffffffffffe\n",          // -ENOENT: gone
            "loader: cell 1 state fffffffffffffffe\n",
            "loader: cycle failures 0000000000000000\n",
            "loader: cells 0000000000000001\n",
            "loader: psci cpu_on cpu 1 0000000000000000\n",
            "loader: cpu 1 back in the root cell\n",
            "loader: cpu 1 state 0000000000000000\n",
            "loader: done\n");
        // The first start had a second to greet (InOrder above); the 100 quick rounds destroy the
        // cell right after its start, and the event SGI stops its CPU at once, greeting or not.
        int greetings = output.Split("Hello from a Jailhouse inmate (arm64)").Length - 1;
        Assert.InRange(greetings, 1, 101);
        // 100 create/load/start/destroy rounds leave the pool as it was.
        Assert.Equal(PoolUsed(output, 0), PoolUsed(output, 1));
        Assert.DoesNotContain("FATAL", output);
    }

    /// <summary>
    /// Not only our assembly: the C# uart-demo as shipped in the images (linked at 0, its own
    /// MMU set-up, its console named by the comm region) runs in the cell. It never traps (it
    /// polls the counter), so destroy must fetch its CPU with the hypervisor's event SGI: the
    /// cell falls silent, destroy succeeds and the pool and CPU 1 come back. The cell prints on
    /// the loader's UART meanwhile, so only lines printed while the other side is quiet are
    /// matched whole. GICv2 too: there the event SGI goes out through GICD_SGIR.
    /// </summary>
    [Theory]
    [InlineData(3)]
    [InlineData(2)]
    public void A_cell_runs_the_shipped_csharp_uart_demo_and_destroy_stops_its_busy_cpu(int gicVersion)
    {
        var (shipped, _) = CSharpInmateBuilder.Build(Paths.RepositoryRoot, Path.Combine(build.Directory, $"csharp-inmates-v{gicVersion}"));
        string uartDemo = shipped.Single(bin => Path.GetFileName(bin) == "uart-demo.bin");
        string output = RunCellTest(uartDemo, cycles: 0, gicVersion);
        // While the loader waits a second after start: the greeting and the counter.
        InOrder(output, "uart-demo: C# inmate, counter every 500 ms\n", "Hello 1 from cell!\n", "Hello 2 from cell!\n");
        // Once destroy returned, the cell is silent: every counter line comes before it.
        SilentAfterDestroy(output, " from cell!",
            "loader: cycle failures 0000000000000000\n",
            "loader: cells 0000000000000001\n",
            "loader: psci cpu_on cpu 1 0000000000000000\n",
            "loader: cpu 1 back in the root cell\n",
            "loader: done\n");
        Assert.Equal(PoolUsed(output, 0), PoolUsed(output, 1));
        Assert.DoesNotContain("does not stop", output);
        Assert.DoesNotContain("FATAL", output);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(2)]
    public void An_inmate_writing_into_root_ram_is_stopped_and_its_cell_destroyed(int gicVersion)
    {
        string writer = Inmate("cell-inmate-write-root", Path.Combine(Paths.RepositoryRoot, "tests", "Jailhouse.Tests", "Hypervisor", "cell-inmate-arm64.S"), "WRITE_ROOT");
        string output = RunCellTest(writer, cycles: 0, gicVersion);
        InOrder(output,
            "loader: cell create 0000000000000001\n",
            "Started cell \"inmate-demo\"",
            "cell-inmate: running in the cell",
            "FATAL: Invalid MMIO write, addr: 0x0000000040000000 size: 4\n",
            "Cell \"inmate-demo\", CPU 1, ELR 0x",
            "loader: cell start 0000000000000000\n",
            "loader: cell 1 state 0000000000000003\n",          // failed
            "loader: cpu 1 state 0000000000000002\n",           // failed
            "loader: cell destroy 0000000000000000\n",
            "loader: psci cpu_on cpu 1 0000000000000000\n",
            "loader: cpu 1 back in the root cell\n",
            "loader: cpu 1 state 0000000000000000\n",
            "loader: done\n");
    }

    [Fact]
    public void A_cell_reaches_only_its_own_cpus_through_psci_and_system_off_stops_only_the_cell()
    {
        string inmate = Inmate("cell-inmate-system-off", Path.Combine(Paths.RepositoryRoot, "tests", "Jailhouse.Tests", "Hypervisor", "cell-inmate-arm64.S"), "SYSTEM_OFF");
        string output = RunCellTest(inmate, cycles: 0);
        InOrder(output,
            "Started cell \"inmate-demo\"",
            "cell-inmate: running in the cell",
            "loader: cell start 0000000000000000\n",
            "loader: cell 1 state 0000000000000002\n",          // shut down, the root cell runs on
            "loader: cpu 1 state 0000000000000000\n",
            "loader: cell destroy 0000000000000000\n",
            "loader: cpu 1 back in the root cell\n",
            "loader: done\n");
        Assert.DoesNotContain("FATAL", output);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(2)]
    public void The_root_cell_writing_into_a_cells_ram_is_stopped(int gicVersion)
    {
        string uartHello = Inmate("uart-hello", Path.Combine(Paths.RepositoryRoot, "inmates", "arm64", "uart-hello.S"));
        string output = RunCellTest(uartHello, cycles: 0, gicVersion, until: "CPU 0 stopped", "ROOT_WRITES_CELL");
        InOrder(output,
            "loader: cell create 0000000000000001\n",
            $"FATAL: Invalid MMIO write, addr: 0x{CellRam:x16} size: 4\n",
            "Cell \"qemu-arm64\", CPU 0, ELR 0x",
            "CPU 0 stopped");
        Assert.DoesNotContain("loader: the root cell wrote into the cell's RAM", output);
    }

    /// <summary>
    /// The shipped C# gic-demo sets up the GIC from inside the cell: the distributor through the
    /// cell's own view (read only: the root cell switched it on), its CPU's redistributor frame
    /// found by affinity and its virtual timer PPI enabled there, the CPU interface through the
    /// virtual ICC registers. The timer interrupt arrives at CPU 1 at EL2 and is injected into
    /// the cell; gic-demo prints a latency line per 10 interrupts.
    /// </summary>
    [Fact]
    public void A_cell_runs_the_shipped_csharp_gic_demo_and_its_timer_interrupts_arrive()
    {
        var (shipped, _) = CSharpInmateBuilder.Build(Paths.RepositoryRoot, Path.Combine(build.Directory, "csharp-inmates"));
        string gicDemo = shipped.Single(bin => Path.GetFileName(bin) == "gic-demo.bin");
        string output = RunCellTest(gicDemo, cycles: 0, "loader: done", "CELL_SECONDS=3");
        InOrder(output, "Started cell \"inmate-demo\"", "gic-demo: GICv3, virtual timer every 100 ms", "Timer: 10 interrupts, latency min ");
        var latency = GicDemoLatency().Match(output);
        Assert.True(latency.Success, output);
        ulong min = ulong.Parse(latency.Groups[1].Value, CultureInfo.InvariantCulture);
        ulong avg = ulong.Parse(latency.Groups[2].Value, CultureInfo.InvariantCulture);
        ulong max = ulong.Parse(latency.Groups[3].Value, CultureInfo.InvariantCulture);
        Assert.True(min <= avg && avg <= max, latency.Value);
        SilentAfterDestroy(output, "Timer: ",
            "loader: cpu 1 back in the root cell\n",
            "loader: done\n");
        Assert.Equal(PoolUsed(output, 0), PoolUsed(output, 1));
        Assert.DoesNotContain("FATAL", output);
        Assert.DoesNotContain("unexpected interrupt", output);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"Timer: 10 interrupts, latency min (\d+) ns, avg (\d+) ns, max (\d+) ns")]
    private static partial System.Text.RegularExpressions.Regex GicDemoLatency();

    /// <summary>
    /// An inmate's SGIs stay in its cell: SGI 3 (enabled on CPU 0 by the root cell) sent by the
    /// cell's CPU 1 to CPU 0 and to all but itself reaches nobody -- CPU 0 gets no interrupt
    /// injected -- while the same SGI to itself arrives (CPU 1 counts three trapped SGI writes
    /// and one injected interrupt).
    /// </summary>
    [Theory]
    [InlineData(3)]
    [InlineData(2)]
    public void An_inmate_sending_an_sgi_to_a_root_cpu_does_not_reach_it(int gicVersion)
    {
        string inmate = gicVersion == 2
            ? Inmate("cell-inmate-send-sgi-v2", Path.Combine(Paths.RepositoryRoot, "tests", "Jailhouse.Tests", "Hypervisor", "cell-inmate-arm64.S"), "SEND_SGI", "GICV2")
            : Inmate("cell-inmate-send-sgi", Path.Combine(Paths.RepositoryRoot, "tests", "Jailhouse.Tests", "Hypervisor", "cell-inmate-arm64.S"), "SEND_SGI");
        string output = RunCellTest(inmate, cycles: 0, gicVersion, "loader: done", "SEND_SGI");
        InOrder(output,
            "loader: cpu 0 virq 0000000000000000\n",
            "Started cell \"inmate-demo\"",
            "cell-inmate: running in the cell",
            "loader: cell start 0000000000000000\n",
            "loader: cpu 0 virq 0000000000000000\n",          // nothing reached the root cell's CPU
            "loader: cpu 1 vsgi 0000000000000003\n",
            "loader: cpu 1 virq 0000000000000001\n",          // its SGI to itself did arrive
            "loader: cell destroy 0000000000000000\n",
            "loader: cpu 1 back in the root cell\n",
            "loader: done\n");
        Assert.DoesNotContain("FATAL", output);
    }

    /// <summary>
    /// A cell's own sub-page region: the inmate-demo cell with its PL011 as a 256-byte io-32
    /// region instead of the shared page. Nothing of the page is in the cell's tables; each of
    /// uart-hello's 32-bit UART accesses traps and the cell's MMIO handler performs it (the
    /// greeting appears, and CPU 1 counts the MMIO exits). An access past the region stops the
    /// cell with the FATAL line.
    /// </summary>
    [Fact]
    public void A_cells_subpage_uart_region_is_emulated_by_its_own_mmio_handlers()
    {
        var cell = HypervisorTestMemory.LoadYaml("configs/qemu-arm64/qemu-arm64-inmate-demo.yaml");
        cell.Cell.MemoryRegions.RemoveAll(region => region.Name == "uart");
        cell.Cell.MemoryRegions.Add(new Jailhouse.Config.Model.MemoryRegion
        {
            Name = "uart",
            PhysStart = 0x0900_0000,
            VirtStart = 0x0900_0000,
            Size = 0x100,
            Flags = MemoryFlags.Read | MemoryFlags.Write | MemoryFlags.Io | MemoryFlags.Io32 | MemoryFlags.RootShared,
        });
        string uartHello = Inmate("uart-hello", Path.Combine(Paths.RepositoryRoot, "inmates", "arm64", "uart-hello.S"));
        string output = RunCellTest(cell, uartHello, cycles: 0, "loader: done", "CELL_MMIO_STATS");
        InOrder(output,
            "Started cell \"inmate-demo\"",
            "Hello from a Jailhouse inmate (arm64)",
            "loader: cell start 0000000000000000\n",
            "loader: cpu 1 mmio ",
            "loader: cell 1 state 0000000000000000\n",          // running
            "loader: cell destroy 0000000000000000\n",
            "loader: cpu 1 back in the root cell\n",
            "loader: done\n");
        string mmio = output.Split('\n').First(line => line.StartsWith("loader: cpu 1 mmio ", StringComparison.Ordinal));
        // Two traps per character at least (flag register, data register).
        Assert.True(ulong.Parse(mmio["loader: cpu 1 mmio ".Length..], NumberStyles.HexNumber, CultureInfo.InvariantCulture) >= 2 * 36, mmio);
        Assert.DoesNotContain("FATAL", output);
    }
}
