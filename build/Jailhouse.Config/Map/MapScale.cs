namespace Jailhouse.Config.Map;

/// <summary>
/// The vertical scale of a map: physical addresses from top (low) to bottom (high), cut at every
/// start and end of every range shown. Each piece between two cuts gets a height that grows
/// with the logarithm of its size, so a 4 KiB UART page and a 1 GiB RAM bank are both readable;
/// a piece no range covers is a gap drawn at a fixed small height. Within a piece the scale is
/// linear, so the edges of every range fall exactly on cuts.
/// </summary>
public sealed class MapScale
{
    /// <summary>Height of the smallest piece: one line of label text.</summary>
    public const double MinimumHeight = 18;
    /// <summary>Added per doubling of the size above 4 KiB.</summary>
    public const double HeightPerDoubling = 4;
    public const double MaximumHeight = 120;
    public const double GapHeight = 24;

    /// <summary>[Start, End) of one piece; End is exclusive and saturates at 2^64 - 1.</summary>
    public sealed record Segment(ulong Start, ulong End, double Top, double Height, bool IsGap)
    {
        public double Bottom => Top + Height;
        public ulong Size => End - Start;
    }

    public IReadOnlyList<Segment> Segments { get; }
    public double Top { get; }
    public double Bottom => Segments.Count == 0 ? Top : Segments[^1].Bottom;

    /// <summary>The end of [start, start+size), saturating instead of wrapping at the top of the address space.</summary>
    public static ulong EndOf(ulong start, ulong size) => start + size < start ? ulong.MaxValue : start + size;

    public MapScale(IEnumerable<(ulong Start, ulong Size)> ranges, double top)
    {
        Top = top;
        var shown = ranges.Where(r => r.Size > 0).Select(r => (r.Start, End: EndOf(r.Start, r.Size))).ToList();
        var cuts = shown.SelectMany(r => new[] { r.Start, r.End }).Distinct().Order().ToList();
        // Covered pieces: sweep the ranges sorted by start, tracking the highest end so far.
        var byStart = shown.OrderBy(r => r.Start).ToList();
        var segments = new List<Segment>();
        double y = top;
        int next = 0;
        ulong coveredTo = 0;
        for (int i = 0; i + 1 < cuts.Count; i++)
        {
            ulong start = cuts[i], end = cuts[i + 1];
            while (next < byStart.Count && byStart[next].Start <= start)
            {
                coveredTo = Math.Max(coveredTo, byStart[next].End);
                next++;
            }
            bool gap = coveredTo <= start;
            double height = gap ? GapHeight : HeightOf(end - start);
            segments.Add(new Segment(start, end, y, height, gap));
            y += height;
        }
        Segments = segments;
    }

    public static double HeightOf(ulong size)
    {
        double doublings = Math.Log2(Math.Max(size, 1UL) / 4096.0);
        return Math.Clamp(MinimumHeight + HeightPerDoubling * doublings, MinimumHeight, MaximumHeight);
    }

    /// <summary>The vertical position of an address (a range's start or end); linear within its piece.</summary>
    public double Y(ulong address)
    {
        if (Segments.Count == 0 || address <= Segments[0].Start)
            return Top;
        if (address >= Segments[^1].End)
            return Bottom;
        int lo = 0, hi = Segments.Count - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) / 2;
            if (Segments[mid].Start <= address)
                lo = mid;
            else
                hi = mid - 1;
        }
        var s = Segments[lo];
        return s.Top + s.Height * ((double)(address - s.Start) / s.Size);
    }
}
