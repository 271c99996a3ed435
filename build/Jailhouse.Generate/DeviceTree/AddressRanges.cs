namespace Jailhouse.Generate;

/// <summary>A half-open physical address range [Start, End).</summary>
public readonly record struct AddressRange(ulong Start, ulong End)
{
    public const ulong PageSize = 0x1000;

    public ulong Size => End - Start;

    public static AddressRange OfSize(ulong start, ulong size) => new(start, start + size);

    public bool Overlaps(AddressRange other) => Start < other.End && other.Start < End;

    public bool Contains(AddressRange other) => other.Start >= Start && other.End <= End;

    /// <summary>The smallest page-aligned range that covers this one.</summary>
    public AddressRange PageAligned() => new(Start & ~(PageSize - 1), (End + PageSize - 1) & ~(PageSize - 1));

    public override string ToString() => $"0x{Start:x}-0x{End - 1:x}";
}

/// <summary>Set operations on lists of address ranges: what RAM minus holes and device windows need.</summary>
public static class AddressRanges
{
    /// <summary>Sorted, with overlapping and touching ranges joined.</summary>
    public static List<AddressRange> Merge(IEnumerable<AddressRange> ranges)
    {
        var merged = new List<AddressRange>();
        foreach (var range in ranges.Where(r => r.End > r.Start).OrderBy(r => r.Start))
        {
            if (merged.Count > 0 && range.Start <= merged[^1].End)
                merged[^1] = merged[^1] with { End = Math.Max(merged[^1].End, range.End) };
            else
                merged.Add(range);
        }
        return merged;
    }

    /// <summary>The parts of <paramref name="ranges"/> that no range of <paramref name="holes"/> touches.</summary>
    public static List<AddressRange> Subtract(IEnumerable<AddressRange> ranges, IEnumerable<AddressRange> holes)
    {
        var holeList = Merge(holes);
        var result = new List<AddressRange>();
        foreach (var range in ranges.Where(r => r.End > r.Start).OrderBy(r => r.Start))
        {
            ulong start = range.Start;
            foreach (var hole in holeList)
            {
                if (hole.End <= start || hole.Start >= range.End)
                    continue;
                if (hole.Start > start)
                    result.Add(new AddressRange(start, hole.Start));
                start = Math.Max(start, hole.End);
                if (start >= range.End)
                    break;
            }
            if (start < range.End)
                result.Add(new AddressRange(start, range.End));
        }
        return result;
    }

    /// <summary>Shrinks each range inwards to page boundaries (RAM: never map a partial page of a hole).</summary>
    public static List<AddressRange> PageInner(IEnumerable<AddressRange> ranges) =>
        ranges.Select(r => new AddressRange((r.Start + AddressRange.PageSize - 1) & ~(AddressRange.PageSize - 1), r.End & ~(AddressRange.PageSize - 1)))
            .Where(r => r.End > r.Start).ToList();
}
