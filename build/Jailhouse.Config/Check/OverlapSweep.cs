namespace Jailhouse.Config.Check;

/// <summary>
/// The overlapping pairs among address ranges by sort and sweep: O(n log n + pairs) instead of
/// comparing every pair, so `config check` stays near-linear in the number of regions. A range
/// that runs past 2^64 wraps, as <see cref="Ranges.Overlap"/> treats it, and is swept as two pieces.
/// </summary>
internal static class OverlapSweep
{
    /// <summary>More pairs than this are not listed: the configuration is wrong all over, and listing them all would be quadratic.</summary>
    public const int MaxPairs = 10_000;

    private readonly record struct Piece(ulong Start, UInt128 End, int Index, int Group);

    /// <summary>
    /// Pairs (i, j), i &lt; j, of ranges that share a byte, sorted by j then i. With
    /// <paramref name="crossGroups"/>, only pairs of ranges from different groups count.
    /// <paramref name="truncated"/> says that pairs beyond <see cref="MaxPairs"/> were left out.
    /// </summary>
    public static List<(int First, int Second)> Pairs(IReadOnlyList<(ulong Start, ulong Size, int Group)> ranges, bool crossGroups, out bool truncated)
    {
        var pieces = new List<Piece>(ranges.Count);
        for (int i = 0; i < ranges.Count; i++)
        {
            var (start, size, group) = ranges[i];
            if (size == 0)
                continue;
            UInt128 end = (UInt128)start + size;
            UInt128 top = (UInt128)ulong.MaxValue + 1;
            pieces.Add(new Piece(start, end > top ? top : end, i, group));
            if (end > top)
                pieces.Add(new Piece(0, end - top, i, group));
        }
        pieces.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.Index.CompareTo(b.Index));

        var found = new HashSet<(int, int)>();
        var active = new List<Piece>();
        truncated = false;
        foreach (var piece in pieces)
        {
            // Every active piece starts at or before this one; those still open overlap it.
            int kept = 0;
            for (int k = 0; k < active.Count; k++)
            {
                var other = active[k];
                if (other.End <= piece.Start)
                    continue;
                active[kept++] = other;
                if (other.Index == piece.Index || crossGroups && other.Group == piece.Group)
                    continue;
                if (found.Add(other.Index < piece.Index ? (other.Index, piece.Index) : (piece.Index, other.Index)) && found.Count == MaxPairs)
                {
                    // The rest would cost time quadratic in the ranges left; the findings say so.
                    truncated = true;
                    break;
                }
            }
            if (truncated)
                break;
            active.RemoveRange(kept, active.Count - kept);
            active.Add(piece);
        }
        var pairs = found.ToList();
        pairs.Sort((a, b) => a.Item2 != b.Item2 ? a.Item2.CompareTo(b.Item2) : a.Item1.CompareTo(b.Item1));
        return pairs;
    }
}
