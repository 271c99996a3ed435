using System.Globalization;

/// <summary>
/// gic-demo's virtual-timer latency bare-metal under TCG (QEMU virt at EL1, no hypervisor): the
/// image linked at its load address (`jailhouse inmate build --base`) runs for a few seconds per
/// GIC version; the per-second lines are summed up by LatencyLines. A baseline for the same figure inside a cell.
/// </summary>
internal static class InmateLatency
{
    public static void Run(string gicDemo, ulong linkBase, int seconds = 6)
    {
        foreach (int gic in new[] { 3, 2 })
        {
            var result = Jailhouse.ExternalTool.Run("timeout", [seconds.ToString(CultureInfo.InvariantCulture), "qemu-system-aarch64",
                "-M", $"virt,gic-version={gic}", "-cpu", "cortex-a72", "-m", "2G", "-nographic", "-monitor", "none",
                "-device", $"loader,file={gicDemo},addr=0x{linkBase:x},force-raw=on", "-device", $"loader,addr=0x{linkBase:x},cpu-num=0"]);
            Console.WriteLine(LatencyLines.Summary($"gic-demo timer latency, bare-metal TCG, GICv{gic}", 44,
                LatencyLines.In(result.Output), $"no latency lines in {seconds} s"));
        }
    }
}
