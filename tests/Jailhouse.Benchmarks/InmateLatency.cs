using System.Globalization;
using System.Text.RegularExpressions;

/// <summary>
/// gic-demo's virtual-timer latency bare-metal under TCG (QEMU virt at EL1, no hypervisor): the
/// image linked at its load address (`jailhouse inmate build --base`) runs for a few seconds per
/// GIC version; the per-second lines are summed up: smallest minimum, mean of the averages,
/// largest maximum. A baseline for the same figure inside a cell.
/// </summary>
internal static partial class InmateLatency
{
    [GeneratedRegex(@"Timer: \d+ interrupts, latency min (?<min>\d+) ns, avg (?<avg>\d+) ns, max (?<max>\d+) ns")]
    private static partial Regex LatencyLine();

    public static void Run(string gicDemo, ulong linkBase, int seconds = 6)
    {
        foreach (int gic in new[] { 3, 2 })
        {
            var result = Jailhouse.ExternalTool.Run("timeout", [seconds.ToString(CultureInfo.InvariantCulture), "qemu-system-aarch64",
                "-M", $"virt,gic-version={gic}", "-cpu", "cortex-a72", "-m", "2G", "-nographic", "-monitor", "none",
                "-device", $"loader,file={gicDemo},addr=0x{linkBase:x},force-raw=on", "-device", $"loader,addr=0x{linkBase:x},cpu-num=0"]);
            var lines = LatencyLine().Matches(result.Output).ToList();
            string label = $"gic-demo timer latency, bare-metal TCG, GICv{gic}";
            if (lines.Count == 0)
            {
                Console.WriteLine($"{label,-44} no latency lines in {seconds} s");
                continue;
            }
            ulong Value(Match m, string group) => ulong.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);
            ulong min = lines.Min(m => Value(m, "min"));
            ulong max = lines.Max(m => Value(m, "max"));
            double avg = lines.Average(m => (double)Value(m, "avg"));
            Console.WriteLine($"{label,-44} min {min / 1000.0,8:N1} us  avg {avg / 1000.0,8:N1} us  max {max / 1000.0,8:N1} us  ({lines.Count * 10} interrupts)");
        }
    }
}
