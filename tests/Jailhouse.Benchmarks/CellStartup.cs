using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Jailhouse.Config.Binary;
using Jailhouse.Config.Model;
using Jailhouse.Hypervisor;
using Jailhouse.Tests.Hypervisor;

/// <summary>
/// A non-root cell under TCG (bare-metal QEMU virt, GICv3, 2 CPUs, the test loader as root cell,
/// as HypervisorQemuTests runs it): the inmate-demo cell is created, the shipped gic-demo loaded
/// and started, and it runs for a few seconds before it is destroyed. Printed: the time from the
/// start hypercall (the hypervisor's "Started cell" line, written just before it lets the cell's
/// CPU go) to gic-demo's first line on the UART, as the host sees the two lines arrive, and
/// gic-demo's timer latency inside the cell (summed up by LatencyLines). Per round QEMU boots afresh; the median of the rounds is printed with the range.
/// </summary>
internal static class CellStartup
{
    private const string Started = "Started cell \"inmate-demo\"";
    private const string FirstLine = "gic-demo: GICv";
    private const int CellSeconds = 4;

    public static void Run(string repositoryRoot, string hypervisorBin, string gicDemo, int rounds = 3)
    {
        string directory = Directory.CreateTempSubdirectory("jailhouse-cell-bench-").FullName;
        try
        {
            byte[] image = File.ReadAllBytes(hypervisorBin);
            ulong coreSize = BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan(HypervisorHeader.CoreSizeOffset));
            ulong perCpuSize = BinaryPrimitives.ReadUInt64LittleEndian(image.AsSpan(HypervisorHeader.PerCpuSizeOffset));
            string imagePath = Path.Combine(directory, "jailhouse.bin");
            File.WriteAllBytes(imagePath, BareMetalLoader.Image(image, onlineCpus: 2));
            JailhouseConfig root = Jailhouse.Config.ConfigFiles.Load(Path.Combine(repositoryRoot, "configs", "qemu-arm64", "qemu-arm64.yaml"), out _);
            root.Cell.Flags |= CellFlags.VirtualConsolePermitted;
            string rootPath = Path.Combine(directory, "qemu-arm64.cell");
            File.WriteAllBytes(rootPath, ConfigBinaryWriter.Write(root));
            string cellPath = Path.Combine(directory, "inmate-demo.cell");
            File.WriteAllBytes(cellPath, ConfigBinaryWriter.Write(
                Jailhouse.Config.ConfigFiles.Load(Path.Combine(repositoryRoot, "configs", "qemu-arm64", "qemu-arm64-inmate-demo.yaml"), out _)));
            string loader = BareMetalLoader.Assemble(repositoryRoot, directory, "loader", BareMetalLoader.HypervisorBase,
                [.. BareMetalLoader.CellTestSymbols(new FileInfo(gicDemo).Length, cycles: 0), $"CELL_SECONDS={CellSeconds}"]);
            string[] arguments =
            [
                "-M", "virt,virtualization=on,gic-version=3", "-cpu", "cortex-a57", "-smp", "2", "-m", "1G", "-nographic", "-kernel", loader,
                "-device", $"loader,file={imagePath},addr=0x{BareMetalLoader.HypervisorBase:x},force-raw=on",
                "-device", $"loader,file={rootPath},addr=0x{BareMetalLoader.ConfigAddress(BareMetalLoader.HypervisorBase, coreSize, perCpuSize):x},force-raw=on",
                .. BareMetalLoader.CellTestDevices(cellPath, gicDemo),
            ];

            var startups = new List<double>();
            var latencies = new List<Match>();
            for (int round = 0; round < rounds; round++)
            {
                var (startup, lines) = Round(arguments);
                if (startup is { } milliseconds)
                    startups.Add(milliseconds);
                latencies.AddRange(lines);
            }
            string label = "cell start to gic-demo's first line, TCG GICv3";
            if (startups.Count == 0)
                Console.WriteLine($"{label,-48} no first line seen in {rounds} rounds");
            else
            {
                startups.Sort();
                Console.WriteLine($"{label,-48} median {startups[startups.Count / 2],7:N1} ms  min {startups[0],7:N1} ms  max {startups[^1],7:N1} ms  ({startups.Count} rounds)");
            }
            Console.WriteLine(LatencyLines.Summary("gic-demo timer latency in a cell, TCG GICv3", 48, latencies, "no latency lines"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>One boot: milliseconds from the "Started cell" line to the inmate's first line (null if
    /// either is missing), and the latency lines the cell printed.</summary>
    private static (double? Startup, List<Match> Latencies) Round(string[] arguments)
    {
        var info = new ProcessStartInfo("qemu-system-aarch64") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (string argument in arguments)
            info.ArgumentList.Add(argument);
        var clock = Stopwatch.StartNew();
        double? started = null, first = null;
        var output = new System.Text.StringBuilder();
        using var done = new ManualResetEventSlim();
        using var qemu = Process.Start(info)!;
        qemu.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                done.Set();
                return;
            }
            double now = clock.Elapsed.TotalMilliseconds;
            lock (output)
            {
                output.Append(e.Data).Append('\n');
                if (started is null && e.Data.Contains(Started, StringComparison.Ordinal))
                    started = now;
                else if (started is not null && first is null && e.Data.Contains(FirstLine, StringComparison.Ordinal))
                    first = now;
            }
            if (e.Data.Contains("loader: done", StringComparison.Ordinal))
                done.Set();
        };
        qemu.BeginOutputReadLine();
        done.Wait(TimeSpan.FromSeconds(120));
        if (!qemu.HasExited)
            qemu.Kill();
        qemu.WaitForExit();
        lock (output)
            return (started is { } s && first is { } f ? f - s : null, LatencyLines.In(output.ToString()));
    }
}
