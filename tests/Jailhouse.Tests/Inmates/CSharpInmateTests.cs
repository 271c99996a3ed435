using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Jailhouse.Binaries;
using Jailhouse.Config.Model;
using Jailhouse.Hypervisor;
using Jailhouse.Tests.Hypervisor;

namespace Jailhouse.Tests.Inmates;

/// <summary>
/// The C# inmates once per test class: built as shipped (<see cref="CSharpInmateBuilder.Build"/>,
/// linked at guest-physical 0 for cells), then the same ILCompiler objects linked again at
/// <see cref="TestBase"/> in QEMU virt's RAM for the bare-metal runs (QEMU virt has flash at 0).
/// </summary>
public sealed class CSharpInmateBuild : IDisposable
{
    /// <summary>Above the device tree QEMU places at the start of RAM (1 MiB), 2 MiB aligned.</summary>
    public const ulong TestBase = 0x40200000;

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("jailhouse-inmates-").FullName;
    public IReadOnlyList<string> Shipped { get; }
    public Dictionary<string, CSharpInmate> ForTests { get; } = [];

    public CSharpInmateBuild()
    {
        (Shipped, _) = CSharpInmateBuilder.Build(Paths.RepositoryRoot, Path.Combine(Directory, "cell"));
        foreach (string project in CSharpInmateBuilder.Projects(Paths.RepositoryRoot))
        {
            string name = Path.GetFileNameWithoutExtension(project);
            ForTests[name] = CSharpInmateBuilder.Link(Paths.RepositoryRoot, name, CSharpInmateBuilder.IlcObject(project), TestBase,
                Path.Combine(Directory, "test"));
        }
    }

    public void Dispose()
    {
        System.IO.Directory.Delete(Directory, true);
        GC.SuppressFinalize(this);
    }
}

/// <summary>
/// The C# inmates run bare-metal in QEMU virt at EL1 (no hypervisor): uart-demo counts on the
/// PL011, gic-demo's virtual-timer interrupts arrive through GICv3 and GICv2 and its latency
/// lines are ordered, and both answer a shutdown request in the communication region, which
/// the test fills as our hypervisor does (CommRegion.FillArm from the system configuration).
/// </summary>
[Trait("Tier", "Images")]
public sealed unsafe partial class CSharpInmateTests(CSharpInmateBuild build) : IClassFixture<CSharpInmateBuild>
{
    private const ulong CommRegionBase = 0x80000000;
    private static int runs;

    [Fact]
    public void ShippedInmatesRunAtZeroAndFitTheDemoCellsRam()
    {
        Assert.Equal(["gic-demo.bin", "uart-demo.bin"], build.Shipped.Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var cell = HypervisorTestMemory.LoadYaml("configs/qemu-arm64/qemu-arm64-inmate-demo.yaml");
        var ram = Assert.Single(cell.Cell.MemoryRegions, r => r.Flags.HasFlag(MemoryFlags.Loadable));
        Assert.Equal(0UL, ram.VirtStart);
        foreach (string bin in build.Shipped)
        {
            string elf = Path.ChangeExtension(bin, ".elf");
            var symbols = Symbols(elf);
            Assert.Equal(0UL, symbols["_start"]);
            // Image, bss, page tables and stack all inside the loadable RAM at 0.
            Assert.True(symbols["__bss_end"] <= ram.Size, $"{bin}: ends at 0x{symbols["__bss_end"]:x}, the cell has 0x{ram.Size:x}");
            // The flat image is the linked one: the test variant differs only by link address.
            Assert.Equal(new FileInfo(build.ForTests[Path.GetFileNameWithoutExtension(bin)].BinPath).Length, new FileInfo(bin).Length);
        }
    }

    [Fact]
    public void UartDemoCountsOnThePl011WithoutACommRegion()
    {
        string output = Run(build.ForTests["uart-demo"], gicVersion: 3, commRegion: null, until: "Hello 3 from cell!");
        Assert.Contains("uart-demo: C# inmate, counter every 500 ms", output);
        int one = output.IndexOf("Hello 1 from cell!", StringComparison.Ordinal);
        int two = output.IndexOf("Hello 2 from cell!", StringComparison.Ordinal);
        int three = output.IndexOf("Hello 3 from cell!", StringComparison.Ordinal);
        Assert.True(one >= 0 && one < two && two < three, output);
    }

    [Theory]
    [InlineData(3, "configs/qemu-arm64/qemu-arm64.yaml")]
    [InlineData(2, "configs/qemu-arm64/qemu-arm64-gicv2.yaml")]
    public void GicDemoTimerInterruptsArriveWithOrderedLatencies(int gicVersion, string systemConfig)
    {
        string output = Run(build.ForTests["gic-demo"], gicVersion, CommRegionPage(systemConfig), until: "Timer:", count: 2);
        Assert.Contains($"gic-demo: GICv{gicVersion}, virtual timer every 100 ms", output);
        var lines = LatencyLine().Matches(output);
        Assert.True(lines.Count >= 2, output);
        foreach (Match line in lines)
        {
            Assert.Equal("10", line.Groups["count"].Value);
            ulong min = ulong.Parse(line.Groups["min"].Value, CultureInfo.InvariantCulture);
            ulong avg = ulong.Parse(line.Groups["avg"].Value, CultureInfo.InvariantCulture);
            ulong max = ulong.Parse(line.Groups["max"].Value, CultureInfo.InvariantCulture);
            Assert.True(min <= avg && avg <= max, line.Value);
        }
    }

    [Theory]
    [InlineData("uart-demo", 3, "configs/qemu-arm64/qemu-arm64.yaml", "uart-demo: shutdown requested, approved after ")]
    [InlineData("gic-demo", 3, "configs/qemu-arm64/qemu-arm64.yaml", "gic-demo: shutdown requested, approved after ")]
    [InlineData("gic-demo", 2, "configs/qemu-arm64/qemu-arm64-gicv2.yaml", "gic-demo: shutdown requested, approved after ")]
    public void InmateOnASecondCpuApprovesAShutdownRequest(string inmate, int gicVersion, string systemConfig, string approval)
    {
        var image = build.ForTests[inmate];
        string loader = Loader(image.LinkBase);
        string output = Run(image, gicVersion, CommRegionPage(systemConfig), until: "loader: reply", loader: loader);
        // It ran before the request (it prints a line at once), answered, and the loader saw
        // "request approved" (3) and "shut down" (2).
        Assert.Contains(inmate + ": ", output);
        Assert.Contains(approval, output);
        Assert.Contains("loader: reply 3, cell state 2", output);
        Assert.True(output.IndexOf(approval, StringComparison.Ordinal) < output.IndexOf("loader: reply", StringComparison.Ordinal), output);
    }

    [Fact]
    public void UartDemoPrintsThroughTheDebugConsoleHypercallWhenTheCommRegionSaysSo()
    {
        // No console device in the comm region, the debug-console flags set: the hypercall is the
        // only way out, and hvc-loader-arm64.S at EL2 turns it into PL011 output.
        string loader = Path.Combine(build.Directory, "hvc-loader.elf");
        string obj = Path.ChangeExtension(loader, ".o");
        var image = build.ForTests["uart-demo"];
        Tool.Ok("aarch64-linux-gnu-gcc", "-c", $"-DINMATE_ENTRY=0x{image.LinkBase:x}", "-o", obj,
            Path.Combine(Paths.RepositoryRoot, "tests", "Jailhouse.Tests", "Inmates", "hvc-loader-arm64.S"));
        Tool.Ok("aarch64-linux-gnu-ld", "-Ttext=0x40100000", "-e", "_start", "-o", loader, obj);
        byte[] page = CommRegionPage("configs/qemu-arm64/qemu-arm64.yaml", ConsoleType.None,
            CellFlags.VirtualConsolePermitted | CellFlags.VirtualConsoleActive);
        Assert.Equal(3u, BitConverter.ToUInt32(page, 20));   // debug putc permitted and active
        string output = Run(image, gicVersion: 3, page, until: "Hello 2 from cell!", loader: loader, machineOptions: ",virtualization=on", cpus: 1);
        Assert.Contains("uart-demo: C# inmate, counter every 500 ms", output);
        Assert.Contains("Hello 1 from cell!", output);
    }

    [GeneratedRegex(@"Timer: (?<count>\d+) interrupts, latency min (?<min>\d+) ns, avg (?<avg>\d+) ns, max (?<max>\d+) ns")]
    private static partial Regex LatencyLine();

    /// <summary>The communication page our hypervisor would give a cell of <paramref name="systemConfig"/>
    /// whose console is the PL011 at 0x09000000 (as the qemu-arm64 inmate-demo cell's).</summary>
    private static byte[] CommRegionPage(string systemConfig, ConsoleType console = ConsoleType.Pl011, CellFlags flags = CellFlags.None)
    {
        var model = HypervisorTestMemory.LoadYaml(systemConfig);
        model.Cell.Console = new ConsoleConfig
        {
            Address = 0x09000000, Size = 0x1000, Type = console, Flags = ConsoleFlags.Mmio | ConsoleFlags.RegDist4,
        };
        model.Cell.Flags |= flags;
        byte[] config = HypervisorTestMemory.Compile(model);
        using var memory = new HypervisorTestMemory(config, 1);
        const int PageSize = 4096;
        byte* page = (byte*)NativeMemory.AlignedAlloc(PageSize, PageSize);
        try
        {
            CommRegion.FillArm(page, PageSize, memory.View);
            return new Span<byte>(page, PageSize).ToArray();
        }
        finally
        {
            NativeMemory.AlignedFree(page);
        }
    }

    private string Loader(ulong inmateEntry)
    {
        string source = Path.Combine(Paths.RepositoryRoot, "tests", "Jailhouse.Tests", "Inmates", "comm-loader-arm64.S");
        string stem = Path.Combine(build.Directory, $"comm-loader-{Interlocked.Increment(ref runs)}");
        Tool.Ok("aarch64-linux-gnu-gcc", "-c", $"-DINMATE_ENTRY=0x{inmateEntry:x}", $"-DCOMM=0x{CommRegionBase:x}", "-DWAIT_SECONDS=2",
            "-o", stem + ".o", source);
        Tool.Ok("aarch64-linux-gnu-ld", "-Ttext=0x40100000", "-e", "_start", "-o", stem + ".elf", stem + ".o");
        return stem + ".elf";
    }

    private static Dictionary<string, ulong> Symbols(string elf)
    {
        var symbols = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (string line in Tool.Stdout("aarch64-linux-gnu-nm", elf).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 3)
                symbols[parts[2]] = ulong.Parse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }
        return symbols;
    }

    /// <summary>
    /// QEMU virt at EL1 (2 GiB of RAM, so that the communication region's 0x80000000 is RAM), the
    /// inmate's flat image loaded at its link address, the communication page (if any) at
    /// 0x80000000; CPU 0 starts in the inmate, or in <paramref name="loader"/> which starts the
    /// inmate on CPU 1. Runs until <paramref name="until"/> appeared <paramref name="count"/> times
    /// (or QEMU ends, or 30 s pass) and returns the output. <paramref name="machineOptions"/> and
    /// <paramref name="cpus"/> change the machine (e.g. ",virtualization=on" for a loader at EL2).
    /// </summary>
    private string Run(CSharpInmate inmate, int gicVersion, byte[]? commRegion, string until, int count = 1, string? loader = null,
        string machineOptions = "", int? cpus = null)
    {
        var arguments = new List<string>
        {
            "-M", $"virt,gic-version={gicVersion}{machineOptions}", "-cpu", "cortex-a72", "-m", "2G", "-nographic", "-monitor", "none",
            "-smp", (cpus ?? (loader is null ? 1 : 2)).ToString(CultureInfo.InvariantCulture),
            "-device", $"loader,file={inmate.BinPath},addr=0x{inmate.LinkBase:x},force-raw=on",
        };
        if (commRegion is not null)
        {
            string page = Path.Combine(build.Directory, $"comm-{Interlocked.Increment(ref runs)}.bin");
            File.WriteAllBytes(page, commRegion);
            arguments.AddRange(["-device", $"loader,file={page},addr=0x{CommRegionBase:x},force-raw=on"]);
        }
        if (loader is null)
            arguments.AddRange(["-device", $"loader,addr=0x{inmate.LinkBase:x},cpu-num=0"]);
        else
            arguments.AddRange(["-kernel", loader]);

        var info = new ProcessStartInfo("qemu-system-aarch64") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (string argument in arguments)
            info.ArgumentList.Add(argument);
        var output = new StringBuilder();
        using var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Append(e.Data).Append('\n'); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Append(e.Data).Append('\n'); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(30) && !process.HasExited)
        {
            lock (output)
                if (Occurrences(output.ToString(), until) >= count)
                    break;
            Thread.Sleep(100);
        }
        if (!process.HasExited)
            process.Kill(entireProcessTree: true);
        process.WaitForExit();
        string text;
        lock (output)
            text = output.ToString().Replace("\r", "", StringComparison.Ordinal);
        Assert.True(Occurrences(text, until) >= count, $"expected \"{until}\" {count} time(s) within 30 s:\n{text}");
        return text;
    }

    private static int Occurrences(string text, string what)
    {
        int found = 0;
        for (int at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
            found++;
        return found;
    }
}
