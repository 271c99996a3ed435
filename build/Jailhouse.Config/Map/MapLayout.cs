using Jailhouse.Config.Text;

namespace Jailhouse.Config.Map;

/// <summary>A rectangle on the address axis with its label lines and hover text.</summary>
public sealed record BoxLayout(double X, double Y, double Width, double Height, MapKind Kind, IReadOnlyList<string> Lines, string Tooltip);

/// <summary>A finding drawn at its place: a hatched range (when it has one) and a numbered badge.</summary>
public sealed record MarkerLayout(int Number, bool IsError, BoxLayout? Range, double BadgeX, double BadgeY, string Tooltip);

/// <summary>One column of the map: the board, the hypervisor or a cell, with its header and boxes.</summary>
public sealed record LaneLayout(
    string Title, string Subtitle, double X, double Width, IReadOnlyList<int>? Cpus,
    IReadOnlyList<HeaderLine> HeaderLines, IReadOnlyList<BoxLayout> Boxes);

/// <summary>A line of a lane's header, with a colour swatch when it stands for memory of a kind (the comm region).</summary>
public sealed record HeaderLine(string Text, MapKind? Swatch = null);

/// <summary>An entry of the legend: a swatch (a kind's colour, or a style class) and its meaning.</summary>
public sealed record LegendItem(double X, double Y, MapKind? Kind, string? SwatchClass, string Text);

/// <summary>A line of text at a position.</summary>
public sealed record TextLine(double X, double Y, string Text, string Class);

/// <summary>A finding in the list under the map: its numbered badge and its lines (what, where, message, fix).</summary>
public sealed record FindingNote(int Number, bool IsError, double BadgeX, double BadgeY, IReadOnlyList<TextLine> Lines);

/// <summary>
/// Where everything of a <see cref="SystemMap"/> goes: lanes side by side right of an address
/// axis, headers with CPUs, interrupt pins and PCI devices, boxes on a <see cref="MapScale"/>,
/// findings marked in place and listed below. Text widths are estimated for a monospaced font
/// (0.6 em per character), the font every writer uses.
/// </summary>
public sealed class MapLayout
{
    public const double Margin = 16;
    public const double AxisWidth = 150;
    public const double LaneWidth = 240;
    public const double LaneGap = 12;
    public const double MinimumWidth = 900;
    public const double FontSize = 11;
    public const double LineHeight = 14;
    public const double CharWidth = FontSize * 0.6;
    public const double CpuSquare = 14;
    public const int CpusPerRow = 16;
    public const double TitleTop = Margin + 20;
    public const double LegendTop = TitleTop + 36;

    public SystemMap Map { get; }
    public MapScale Scale { get; }
    public IReadOnlyList<LaneLayout> Lanes { get; }
    public IReadOnlyList<MarkerLayout> Markers { get; }
    /// <summary>The heading of the findings list and its entries.</summary>
    public TextLine FindingsHeading { get; }
    public IReadOnlyList<FindingNote> FindingNotes { get; }
    public IReadOnlyList<LegendItem> Legend { get; }
    /// <summary>Where the lane headers start, below the legend.</summary>
    public double HeaderTop { get; }
    /// <summary>The reservation from the board plan, drawn across every lane (none without a board).</summary>
    public BoxLayout? Reservation { get; }
    public string Subtitle { get; }
    public double Width { get; }
    public double Height { get; }
    public double BodyLeft => Margin + AxisWidth;
    public double BodyRight => Width - Margin;

    public static string Hex(ulong value) => $"0x{value:x8}";

    /// <summary>Inclusive range as `config show` writes it: 0x09000000-0x09000fff.</summary>
    public static string Span(ulong start, ulong size) => $"{Hex(start)}-{Hex(MapScale.EndOf(start, size) - 1)}";

    /// <summary>
    /// A size for reading: exact where a unit divides it into fewer than 10000 ("576K", "1504M"),
    /// else rounded ("~254G"); the exact bytes are in the range next to it.
    /// </summary>
    public static string ReadableSize(ulong size)
    {
        var units = new[] { ("T", 40), ("G", 30), ("M", 20), ("K", 10) };
        foreach (var (suffix, shift) in units)
            if (size % (1UL << shift) == 0 && size >> shift is > 0 and < 10000)
                return $"{size >> shift}{suffix}";
        foreach (var (suffix, shift) in units)
        {
            double value = (double)size / (1UL << shift);
            if (value >= 1)
                return "~" + value.ToString(value >= 10 ? "0" : "0.#", System.Globalization.CultureInfo.InvariantCulture) + suffix;
        }
        return size.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public static int CharsFor(double width) => Math.Max(1, (int)((width - 6) / CharWidth));

    public static string Fit(string text, int chars) =>
        text.Length <= chars ? text : chars <= 1 ? "…" : text[..(chars - 1)] + "…";

    /// <summary>Breaks text at spaces into lines of at most <paramref name="chars"/> characters (longer words are cut).</summary>
    public static List<string> Wrap(string text, int chars)
    {
        var lines = new List<string>();
        var line = "";
        foreach (string word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > chars)
            {
                lines.Add(line);
                line = "";
            }
            line = line.Length == 0 ? word : line + " " + word;
            while (line.Length > chars)
            {
                lines.Add(line[..chars]);
                line = line[chars..];
            }
        }
        if (line.Length > 0 || lines.Count == 0)
            lines.Add(line);
        return lines;
    }

    private sealed record LaneContent(string Title, string Subtitle, IReadOnlyList<int>? Cpus, List<HeaderLine> Lines, List<BoxSource> Boxes);

    private sealed record BoxSource(string Label, ulong Start, ulong Size, MapKind Kind, string Detail, string? Extra);

    public MapLayout(SystemMap map)
    {
        Map = map;
        var contents = new List<LaneContent>();
        int chars = CharsFor(LaneWidth);
        if (map.Board is { } board)
            contents.Add(BoardLane(board, chars));
        int hypervisorLane = contents.Count;
        contents.Add(HypervisorLane(map, chars));
        int firstCell = contents.Count;
        contents.AddRange(map.Cells.Select(c => CellLane(c, chars)));

        // At least wide enough for the title, legend and findings list to read well.
        Width = Math.Max(MinimumWidth, BodyLeft + contents.Count * (LaneWidth + LaneGap) - LaneGap + Margin);
        Legend = PlaceLegend(map, Width);
        HeaderTop = Legend[^1].Y + 24;
        int cpuRows = map.CpuCount == 0 ? 0 : (map.CpuCount + CpusPerRow - 1) / CpusPerRow;
        double headerHeight = 40 + cpuRows * (CpuSquare + 2) + 16 + contents.Max(c => c.Lines.Count) * LineHeight + 10;
        double bodyTop = HeaderTop + headerHeight + 8;

        var ranges = contents.SelectMany(c => c.Boxes).Select(b => (b.Start, b.Size)).ToList();
        if (map.Board is { } b2)
            ranges.Add((b2.Reservation.Start, b2.Reservation.Size));
        ranges.AddRange(map.Findings.Where(f => f.Start is not null).Select(f => (f.Start!.Value, f.Size!.Value)));
        Scale = new MapScale(ranges, bodyTop);

        var lanes = new List<LaneLayout>();
        for (int i = 0; i < contents.Count; i++)
        {
            double x = BodyLeft + i * (LaneWidth + LaneGap);
            lanes.Add(new LaneLayout(contents[i].Title, contents[i].Subtitle, x, LaneWidth, contents[i].Cpus, contents[i].Lines,
                PlaceBoxes(contents[i].Boxes, x, LaneWidth)));
        }
        Lanes = lanes;

        if (map.Board is { } b3)
            Reservation = new BoxLayout(BodyLeft - 4, Scale.Y(b3.Reservation.Start), Width - Margin - BodyLeft + 8,
                Scale.Y(MapScale.EndOf(b3.Reservation.Start, b3.Reservation.Size)) - Scale.Y(b3.Reservation.Start),
                MapKind.Reserved, [], $"reservation {Span(b3.Reservation.Start, b3.Reservation.Size)} ({ReadableSize(b3.Reservation.Size)}): Linux keeps off it ({b3.Method})");

        Markers = PlaceMarkers(map, lanes, hypervisorLane, firstCell, cpuRows);
        Subtitle = $"{map.Architecture} · {map.Cells.Count} cell{(map.Cells.Count == 1 ? "" : "s")}" +
            (map.Board is { } b4 ? $" · board {b4.Name}" : "") +
            (map.CellsAreAlternatives && map.Cells.Count > 2 ? " · cells checked one at a time (alternatives)" : "") +
            $" · config check: {map.Errors} error{(map.Errors == 1 ? "" : "s")}, {map.Warnings} warning{(map.Warnings == 1 ? "" : "s")}";
        double y = Scale.Bottom + 36;
        FindingsHeading = new TextLine(Margin, y, map.Findings.Count == 0 ? "config check: no findings" : "Findings of config check", "section");
        y += 20;
        int listChars = CharsFor(Width - 2 * Margin - 30);
        var notes = new List<FindingNote>();
        foreach (var f in map.Findings)
        {
            var lines = new List<TextLine>();
            double badgeY = y - 4;
            string where = f.Start is { } s ? $" {Span(s, f.Size!.Value)}" : "";
            lines.Add(new TextLine(Margin + 30, y, Fit($"{f.Severity}: {f.Cell} ({f.File}) {f.Entry}{where} [{f.Rule}]", listChars), "finding-head"));
            y += LineHeight + 2;
            foreach (string line in Wrap(f.Message, listChars))
            {
                lines.Add(new TextLine(Margin + 30, y, line, "finding"));
                y += LineHeight;
            }
            foreach (string line in Wrap("fix: " + f.Fix, listChars))
            {
                lines.Add(new TextLine(Margin + 30, y, line, "fix"));
                y += LineHeight;
            }
            notes.Add(new FindingNote(f.Number, f.Severity == "error", Margin + 9, badgeY, lines));
            y += 8;
        }
        FindingNotes = notes;
        Height = y + Margin;
    }

    /// <summary>The kinds a cell's memory can have, then those of the board and hypervisor shown, then the reservation and findings; wrapped to the width.</summary>
    private static List<LegendItem> PlaceLegend(SystemMap map, double width)
    {
        var used = map.Hypervisor.Select(a => a.Kind)
            .Concat(map.Board is { } b ? b.RamBanks.Concat(b.FirmwareReserved).Concat(b.ReservationParts).Select(a => a.Kind) : [])
            .ToHashSet();
        MapKind[] cellKinds = [MapKind.Ram, MapKind.Loadable, MapKind.Io, MapKind.Shared, MapKind.Ivshmem, MapKind.CommRegion];
        var entries = Enum.GetValues<MapKind>().Where(k => cellKinds.Contains(k) || used.Contains(k))
            .Select(k => ((MapKind?)k, (string?)null, SystemMapBuilder.KindName(k))).ToList();
        if (map.Board is not null)
            entries.Add((null, "reservation", "reservation (Linux keeps off)"));
        entries.Add((null, "finding-range-error", "finding of config check"));
        var items = new List<LegendItem>();
        double x = Margin, y = LegendTop;
        foreach (var (kind, swatchClass, text) in entries)
        {
            double itemWidth = 18 + text.Length * CharWidth + 16;
            if (x > Margin && x + itemWidth > width - Margin)
                (x, y) = (Margin, y + 18);
            items.Add(new LegendItem(x, y, kind, swatchClass, text));
            x += itemWidth;
        }
        return items;
    }

    private static List<HeaderLine> Plain(IEnumerable<string> lines) => lines.Select(l => new HeaderLine(l)).ToList();

    private static LaneContent BoardLane(MapBoard board, int chars)
    {
        var lines = new List<string>();
        foreach (var bank in board.RamBanks)
            lines.AddRange(Wrap($"RAM {Span(bank.Start, bank.Size)} ({ReadableSize(bank.Size)})", chars));
        lines.AddRange(Wrap($"reservation {Span(board.Reservation.Start, board.Reservation.Size)} ({ReadableSize(board.Reservation.Size)})", chars));
        lines.AddRange(Wrap($"Linux keeps off it by {board.Method}", chars));
        var boxes = board.RamBanks.Concat(board.FirmwareReserved).Concat(board.ReservationParts)
            .Select(a => new BoxSource(a.Name, a.Start, a.Size, a.Kind, SystemMapBuilder.KindName(a.Kind), null)).ToList();
        return new LaneContent($"board {board.Name}", "RAM and the reservation plan", null, Plain(lines), boxes);
    }

    private static LaneContent HypervisorLane(SystemMap map, int chars)
    {
        var lines = map.HypervisorNotes.SelectMany(n => Wrap(n, chars)).ToList();
        var boxes = map.Hypervisor.Select(a => new BoxSource(a.Name, a.Start, a.Size, a.Kind, SystemMapBuilder.KindName(a.Kind), null)).ToList();
        return new LaneContent("hypervisor", map.Hypervisor.Count == 0 ? "no system configuration" : "memory and intercepted devices", null, Plain(lines), boxes);
    }

    private static LaneContent CellLane(MapCell cell, int chars)
    {
        var lines = new List<string>();
        foreach (var chip in cell.Irqchips)
            lines.AddRange(Wrap($"IRQ {chip.Pins} @{Hex(chip.Address)}", chars));
        foreach (var device in cell.PciDevices)
        {
            lines.AddRange(Wrap($"PCI {device.Bdf} {device.Name ?? device.Type}", chars));
            // The type is said when the line above does not (an unnamed device) or it is not a plain device.
            string type = device.Name is null || device.Type == "device" ? "" : device.Type;
            string detail = string.Join(", ", new[] { type, device.Detail }.Where(s => s.Length > 0));
            if (detail.Length > 0)
                lines.AddRange(Wrap("  " + detail, chars));
        }
        if (cell.Console is { } console)
            lines.AddRange(Wrap($"console {console}", chars));
        if (cell.Irqchips.Count == 0 && cell.PciDevices.Count == 0)
            lines.Add("no interrupt pins, no PCI devices");
        var header = Plain(lines);
        // The comm region has no physical address: it is named here, in its colour.
        foreach (var comm in cell.Regions.Where(r => r.Kind == MapKind.CommRegion))
            header.Add(new HeaderLine(Fit($"comm region at guest {Hex(comm.Virt)}", chars - 2), MapKind.CommRegion));
        var boxes = cell.Regions.Where(r => r.Kind != MapKind.CommRegion).Select(r => new BoxSource(
            r.Label, r.Start, r.Size, r.Kind, $"{r.Entry}, {string.Join(" ", r.Flags)}",
            r.Virt != r.Start ? $"guest {Hex(r.Virt)}" : null)).ToList();
        return new LaneContent(cell.Name, $"{(cell.IsRoot ? "root cell" : "cell")} · {cell.File}", cell.Cpus, header, boxes);
    }

    /// <summary>
    /// Overlapping boxes share the lane side by side: each box takes the lowest free column, and
    /// a cluster of overlapping boxes divides the width by its number of columns.
    /// </summary>
    private List<BoxLayout> PlaceBoxes(List<BoxSource> sources, double x, double width)
    {
        var order = sources.OrderBy(s => s.Start).ThenByDescending(s => s.Size).ThenBy(s => s.Label, StringComparer.Ordinal).ToList();
        var placed = new List<BoxLayout>();
        int i = 0;
        while (i < order.Count)
        {
            // One cluster: boxes connected by overlap, in start order.
            var columnEnds = new List<ulong>();
            var cluster = new List<(BoxSource Box, int Column)>();
            ulong clusterEnd = MapScale.EndOf(order[i].Start, order[i].Size);
            while (i < order.Count && (cluster.Count == 0 || order[i].Start < clusterEnd))
            {
                var box = order[i++];
                ulong end = MapScale.EndOf(box.Start, box.Size);
                int column = columnEnds.FindIndex(e => e <= box.Start);
                if (column < 0)
                {
                    column = columnEnds.Count;
                    columnEnds.Add(end);
                }
                else
                    columnEnds[column] = end;
                cluster.Add((box, column));
                clusterEnd = Math.Max(clusterEnd, end);
            }
            double columnWidth = width / columnEnds.Count;
            foreach (var (box, column) in cluster)
            {
                double top = Scale.Y(box.Start), bottom = Scale.Y(MapScale.EndOf(box.Start, box.Size));
                placed.Add(MakeBox(box, x + column * columnWidth, top, columnWidth, bottom - top));
            }
        }
        return placed;
    }

    private static BoxLayout MakeBox(BoxSource box, double x, double y, double width, double height)
    {
        int chars = CharsFor(width);
        int lineCount = Math.Max(1, (int)((height - 4) / 12));
        string size = ReadableSize(box.Size);
        string range = Span(box.Start, box.Size);
        var candidates = new List<string>();
        if (lineCount == 1)
            candidates.Add($"{box.Label} {size} {range}");
        else
        {
            candidates.Add($"{box.Label} ({size})");
            candidates.Add(range);
            if (box.Extra is { } extra)
                candidates.Add(extra);
            candidates.Add(box.Detail);
        }
        var lines = candidates.Take(lineCount).Select(l => Fit(l, chars)).ToList();
        string tooltip = $"{box.Label}\n{range} ({size})" + (box.Extra is { } e2 ? $"\n{e2}" : "") + $"\n{box.Detail}";
        return new BoxLayout(x, y, width, height, box.Kind, lines, tooltip);
    }

    private List<MarkerLayout> PlaceMarkers(SystemMap map, List<LaneLayout> lanes, int hypervisorLane, int firstCell, int cpuRows)
    {
        var markers = new List<MarkerLayout>();
        var badgesPerSpot = new Dictionary<(int Lane, double Y), int>();
        foreach (var f in map.Findings)
        {
            int laneIndex = f.Lane is { } l ? firstCell + l : hypervisorLane;
            var lane = lanes[laneIndex];
            string tooltip = $"{f.Number}. {f.Severity}: {f.Entry}: {f.Message}\nfix: {f.Fix}";
            BoxLayout? range = null;
            double badgeY;
            if (f.Start is { } start)
            {
                double top = Scale.Y(start), bottom = Scale.Y(MapScale.EndOf(start, f.Size!.Value));
                range = new BoxLayout(lane.X, top, lane.Width, bottom - top, MapKind.Ram, [], tooltip);
                badgeY = top + 9;
            }
            else if (f.Target == "cpus" && cpuRows > 0)
                badgeY = HeaderTop + 40 + CpuSquare / 2;
            else
                badgeY = HeaderTop + 10;
            int k = badgesPerSpot.GetValueOrDefault((laneIndex, badgeY));
            badgesPerSpot[(laneIndex, badgeY)] = k + 1;
            markers.Add(new MarkerLayout(f.Number, f.Severity == "error", range, lane.X + lane.Width - 10 - k * 20, badgeY, tooltip));
        }
        return markers;
    }
}
