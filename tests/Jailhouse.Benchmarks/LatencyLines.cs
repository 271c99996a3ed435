using System.Globalization;
using System.Text.RegularExpressions;

/// <summary>
/// gic-demo's per-second report ("Timer: N interrupts, latency min A ns, avg B ns, max C ns"),
/// found in a console log and summed up for the benchmarks that run it: smallest minimum, the
/// average over every interrupt, largest maximum.
/// </summary>
internal static partial class LatencyLines
{
    [GeneratedRegex(@"Timer: (?<count>\d+) interrupts, latency min (?<min>\d+) ns, avg (?<avg>\d+) ns, max (?<max>\d+) ns")]
    private static partial Regex Line();

    public static List<Match> In(string output) => Line().Matches(output).ToList();

    /// <summary>"LABEL min .. us avg .. us max .. us (N interrupts)", or LABEL and <paramref name="none"/>
    /// when there are no lines.</summary>
    public static string Summary(string label, int width, IReadOnlyList<Match> lines, string none)
    {
        if (lines.Count == 0)
            return $"{label.PadRight(width)} {none}";
        ulong Value(Match m, string group) => ulong.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);
        ulong min = lines.Min(m => Value(m, "min"));
        ulong max = lines.Max(m => Value(m, "max"));
        ulong count = (ulong)lines.Sum(m => (decimal)Value(m, "count"));
        double avg = count == 0 ? 0 : lines.Sum(m => (double)Value(m, "avg") * Value(m, "count")) / count;
        return $"{label.PadRight(width)} min {min / 1000.0,8:N1} us  avg {avg / 1000.0,8:N1} us  max {max / 1000.0,8:N1} us  ({count} interrupts)";
    }
}
