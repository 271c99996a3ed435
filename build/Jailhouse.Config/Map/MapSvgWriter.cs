using System.Globalization;
using System.Text;
using System.Xml;
using Jailhouse.Config.Text;

namespace Jailhouse.Config.Map;

/// <summary>
/// Draws a <see cref="MapLayout"/> as SVG through <see cref="XmlWriter"/> (which escapes and
/// nests for us): plain shapes and text with a style sheet, a &lt;title&gt; on every region and
/// finding for hover text, no scripts and nothing fetched. Numbers are written with the invariant
/// culture and the order of elements follows the map, so the same map gives the same bytes.
/// </summary>
public static class MapSvgWriter
{
    private const string SvgNamespace = "http://www.w3.org/2000/svg";
    public const string FontFamily = "'DejaVu Sans Mono', Menlo, Consolas, monospace";

    /// <summary>Fill colour of each kind; the legend and the HTML wrapper use the same table.</summary>
    public static string Colour(MapKind kind) => kind switch
    {
        MapKind.Ram => "#9fd89f",
        MapKind.Loadable => "#4fb35a",
        MapKind.Io => "#f2b766",
        MapKind.Shared => "#86b8ea",
        MapKind.CommRegion => "#c7a2e0",
        MapKind.Ivshmem => "#4fb0b0",
        MapKind.Hypervisor => "#a1887f",
        MapKind.Intercepted => "#c8c8c8",
        MapKind.RamBank => "#e3f3e3",
        MapKind.Firmware => "#8d8d8d",
        MapKind.Reserved => "#fff0b3",
        _ => "#ffffff",
    };

    private static string ClassOf(MapKind kind) => kind switch
    {
        MapKind.CommRegion => "comm-region",
        MapKind.RamBank => "ram-bank",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private const string StyleSheet = """
        text { fill: #222222; }
        .title { font-size: 18px; font-weight: bold; }
        .subtitle { font-size: 12px; fill: #444444; }
        .lane-title { font-size: 14px; font-weight: bold; }
        .lane-subtitle { fill: #555555; }
        .header { fill: #f4f4f4; stroke: #d0d0d0; }
        .axis { fill: #333333; text-anchor: end; }
        .guide { stroke: #e2e2e2; stroke-width: 0.5; }
        .gap { fill: #fafafa; }
        .gap-line { stroke: #b0b0b0; stroke-dasharray: 4 3; }
        .gap-label { fill: #888888; font-style: italic; text-anchor: end; }
        .region rect { stroke: #4d4d4d; stroke-width: 0.6; }
        .region:hover rect { stroke: #000000; stroke-width: 2; }
        .reservation { fill: #fff7d1; fill-opacity: 0.55; stroke: #c9a400; stroke-width: 1.2; stroke-dasharray: 6 3; }
        .cpu { stroke: #7a7a7a; stroke-width: 0.6; fill: #ffffff; }
        .cpu-owned { fill: #5563c1; stroke: #33408f; }
        .cpu-number { font-size: 8px; text-anchor: middle; fill: #666666; }
        .cpu-number-owned { fill: #ffffff; }
        .finding-range-error { fill: url(#hatch-error); stroke: #d32f2f; stroke-width: 2; }
        .finding-range-warning { fill: url(#hatch-warning); stroke: #e0a000; stroke-width: 2; }
        .badge-error { fill: #d32f2f; }
        .badge-warning { fill: #e0a000; }
        .badge-text { fill: #ffffff; font-weight: bold; text-anchor: middle; }
        .section { font-size: 13px; font-weight: bold; }
        .finding-head { font-weight: bold; }
        .fix { fill: #2e6b2e; }
        """;

    private static string N(double value) => Math.Round(value, 1).ToString("0.#", CultureInfo.InvariantCulture);

    /// <summary>The map as a standalone SVG file (UTF-8, with an XML declaration).</summary>
    public static byte[] Write(SystemMap map)
    {
        var output = new MemoryStream();
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true, IndentChars = " ", NewLineChars = "\n" };
        using (var writer = XmlWriter.Create(output, settings))
        {
            writer.WriteStartDocument();
            WriteSvg(writer, new MapLayout(map));
            writer.WriteEndDocument();
        }
        output.WriteByte((byte)'\n');
        return output.ToArray();
    }

    /// <summary>The &lt;svg&gt; element, for a file or inside an HTML page.</summary>
    public static void WriteSvg(XmlWriter w, MapLayout layout)
    {
        var map = layout.Map;
        w.WriteStartElement("svg", SvgNamespace);
        Attributes(w, ("width", N(layout.Width)), ("height", N(layout.Height)), ("viewBox", $"0 0 {N(layout.Width)} {N(layout.Height)}"),
            ("font-family", FontFamily), ("font-size", N(MapLayout.FontSize)));
        w.WriteElementString("title", SvgNamespace, $"System map of {map.Title}");
        w.WriteElementString("style", SvgNamespace, StyleSheet);
        Defs(w);
        Rect(w, 0, 0, layout.Width, layout.Height, ("fill", "#ffffff"));

        Text(w, MapLayout.Margin, MapLayout.TitleTop, $"{map.Title}: memory and resource map", "title");
        Text(w, MapLayout.Margin, MapLayout.TitleTop + 18, layout.Subtitle, "subtitle");
        Legend(w, layout);
        foreach (var lane in layout.Lanes)
            LaneHeader(w, layout, lane);
        Body(w, layout);
        Findings(w, layout);
        w.WriteEndElement();
    }

    private static void Attributes(XmlWriter w, params (string Name, string Value)[] attributes)
    {
        foreach (var (name, value) in attributes)
            w.WriteAttributeString(name, value);
    }

    private static void Rect(XmlWriter w, double x, double y, double width, double height, params (string Name, string Value)[] more)
    {
        w.WriteStartElement("rect", SvgNamespace);
        Attributes(w, ("x", N(x)), ("y", N(y)), ("width", N(width)), ("height", N(height)));
        Attributes(w, more);
        w.WriteEndElement();
    }

    private static void Line(XmlWriter w, double x1, double y1, double x2, double y2, string cssClass)
    {
        w.WriteStartElement("line", SvgNamespace);
        Attributes(w, ("x1", N(x1)), ("y1", N(y1)), ("x2", N(x2)), ("y2", N(y2)), ("class", cssClass));
        w.WriteEndElement();
    }

    private static void Text(XmlWriter w, double x, double y, string text, string? cssClass = null)
    {
        w.WriteStartElement("text", SvgNamespace);
        Attributes(w, ("x", N(x)), ("y", N(y)));
        if (cssClass is not null)
            w.WriteAttributeString("class", cssClass);
        w.WriteString(text);
        w.WriteEndElement();
    }

    private static void Title(XmlWriter w, string text) => w.WriteElementString("title", SvgNamespace, text);

    private static void Defs(XmlWriter w)
    {
        w.WriteStartElement("defs", SvgNamespace);
        foreach (var (id, colour) in new[] { ("hatch-error", "#d32f2f"), ("hatch-warning", "#e0a000") })
        {
            w.WriteStartElement("pattern", SvgNamespace);
            Attributes(w, ("id", id), ("width", "8"), ("height", "8"), ("patternUnits", "userSpaceOnUse"), ("patternTransform", "rotate(45)"));
            Rect(w, 0, 0, 3, 8, ("fill", colour), ("fill-opacity", "0.45"));
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }

    private static void Legend(XmlWriter w, MapLayout layout)
    {
        w.WriteStartElement("g", SvgNamespace);
        w.WriteAttributeString("class", "legend");
        foreach (var item in layout.Legend)
        {
            if (item.Kind is { } kind)
                Rect(w, item.X, item.Y - 10, 14, 12, ("fill", Colour(kind)), ("stroke", "#4d4d4d"), ("stroke-width", "0.6"));
            else
                Rect(w, item.X, item.Y - 10, 14, 12, ("class", item.SwatchClass!));
            Text(w, item.X + 18, item.Y, item.Text);
        }
        w.WriteEndElement();
    }

    private static void LaneHeader(XmlWriter w, MapLayout layout, LaneLayout lane)
    {
        double top = layout.HeaderTop;
        w.WriteStartElement("g", SvgNamespace);
        w.WriteAttributeString("class", "lane");
        Rect(w, lane.X, top, lane.Width, layout.Scale.Top - 8 - top, ("class", "header"), ("rx", "3"));
        Text(w, lane.X + 6, top + 18, MapLayout.Fit(lane.Title, (int)((lane.Width - 40) / (14 * 0.6))), "lane-title");
        Text(w, lane.X + 6, top + 32, MapLayout.Fit(lane.Subtitle, MapLayout.CharsFor(lane.Width)), "lane-subtitle");
        double y = top + 40;
        if (lane.Cpus is { } cpus)
        {
            var owned = cpus.ToHashSet();
            for (int cpu = 0; cpu < layout.Map.CpuCount; cpu++)
            {
                double cx = lane.X + 6 + cpu % MapLayout.CpusPerRow * (MapLayout.CpuSquare + 0.5);
                double cy = y + cpu / MapLayout.CpusPerRow * (MapLayout.CpuSquare + 2);
                bool mine = owned.Contains(cpu);
                w.WriteStartElement("g", SvgNamespace);
                Title(w, $"CPU {cpu}{(mine ? "" : " (not this cell's)")}");
                Rect(w, cx, cy, MapLayout.CpuSquare - 1, MapLayout.CpuSquare - 1, ("class", mine ? "cpu cpu-owned" : "cpu"));
                Text(w, cx + (MapLayout.CpuSquare - 1) / 2, cy + 10, cpu.ToString(CultureInfo.InvariantCulture), mine ? "cpu-number cpu-number-owned" : "cpu-number");
                w.WriteEndElement();
            }
        }
        if (lane.Cpus is not null)
        {
            int cpuRows = layout.Map.CpuCount == 0 ? 0 : (layout.Map.CpuCount + MapLayout.CpusPerRow - 1) / MapLayout.CpusPerRow;
            y += cpuRows * (MapLayout.CpuSquare + 2) + 6 + 10;
            Text(w, lane.X + 6, y, lane.Cpus.Count > 0 ? $"CPUs {RangeListSyntax.Format(lane.Cpus.Select(c => (long)c))}" : "no CPUs");
        }
        else
            y += 6;  // lanes without CPUs start their lines under the subtitle
        foreach (var line in lane.HeaderLines)
        {
            y += MapLayout.LineHeight;
            if (line.Swatch is { } kind)
            {
                Rect(w, lane.X + 6, y - 9, 10, 10, ("fill", Colour(kind)), ("stroke", "#4d4d4d"), ("stroke-width", "0.6"));
                Text(w, lane.X + 20, y, line.Text);
            }
            else
                Text(w, lane.X + 6, y, line.Text);
        }
        w.WriteEndElement();
    }

    private static void Body(XmlWriter w, MapLayout layout)
    {
        var scale = layout.Scale;
        double left = layout.BodyLeft, right = layout.BodyRight;
        w.WriteStartElement("g", SvgNamespace);
        w.WriteAttributeString("class", "axis-and-gaps");
        foreach (var segment in scale.Segments)
        {
            if (segment.IsGap)
            {
                Rect(w, MapLayout.Margin, segment.Top, right - MapLayout.Margin, segment.Height, ("class", "gap"));
                Line(w, MapLayout.Margin, segment.Top + 5, right, segment.Top + 5, "gap-line");
                Line(w, MapLayout.Margin, segment.Bottom - 5, right, segment.Bottom - 5, "gap-line");
                Text(w, left - 8, segment.Top + segment.Height / 2 + 4, $"gap of {MapLayout.ReadableSize(segment.Size)}", "gap-label");
            }
            Line(w, left - 6, segment.Top, right, segment.Top, "guide");
            Text(w, left - 8, segment.Top + (segment.IsGap ? 0 : 4), MapLayout.Hex(segment.Start), "axis");
        }
        if (scale.Segments.Count > 0)
        {
            Line(w, left - 6, scale.Bottom, right, scale.Bottom, "guide");
            Text(w, left - 8, scale.Bottom + 4, MapLayout.Hex(scale.Segments[^1].End), "axis");
        }
        w.WriteEndElement();

        if (layout.Reservation is { } reservation)
        {
            w.WriteStartElement("g", SvgNamespace);
            Title(w, reservation.Tooltip);
            Rect(w, reservation.X, reservation.Y, reservation.Width, reservation.Height, ("class", "reservation"));
            w.WriteEndElement();
        }

        foreach (var lane in layout.Lanes)
        {
            w.WriteStartElement("g", SvgNamespace);
            w.WriteAttributeString("class", "lane-body");
            foreach (var box in lane.Boxes)
            {
                w.WriteStartElement("g", SvgNamespace);
                w.WriteAttributeString("class", $"region {ClassOf(box.Kind)}");
                Title(w, box.Tooltip);
                Rect(w, box.X, box.Y, box.Width, box.Height, ("fill", Colour(box.Kind)));
                double y = box.Y + (box.Lines.Count == 1 ? box.Height / 2 + 4 : 13);
                foreach (string line in box.Lines)
                {
                    Text(w, box.X + 3, y, line);
                    y += 12;
                }
                w.WriteEndElement();
            }
            w.WriteEndElement();
        }

        foreach (var marker in layout.Markers)
        {
            string severity = marker.IsError ? "error" : "warning";
            w.WriteStartElement("g", SvgNamespace);
            w.WriteAttributeString("class", $"finding finding-{severity}");
            Title(w, marker.Tooltip);
            if (marker.Range is { } range)
                Rect(w, range.X, range.Y, range.Width, Math.Max(range.Height, 2), ("class", $"finding-range-{severity}"));
            Badge(w, marker.BadgeX, marker.BadgeY, marker.Number, severity);
            w.WriteEndElement();
        }
    }

    private static void Badge(XmlWriter w, double x, double y, int number, string severity)
    {
        w.WriteStartElement("circle", SvgNamespace);
        Attributes(w, ("cx", N(x)), ("cy", N(y)), ("r", "8"), ("class", $"badge-{severity}"));
        w.WriteEndElement();
        Text(w, x, y + 4, number.ToString(CultureInfo.InvariantCulture), "badge-text");
    }

    private static void Findings(XmlWriter w, MapLayout layout)
    {
        w.WriteStartElement("g", SvgNamespace);
        w.WriteAttributeString("class", "findings");
        var heading = layout.FindingsHeading;
        Text(w, heading.X, heading.Y, heading.Text, heading.Class);
        foreach (var note in layout.FindingNotes)
        {
            Badge(w, note.BadgeX, note.BadgeY, note.Number, note.IsError ? "error" : "warning");
            foreach (var line in note.Lines)
                Text(w, line.X, line.Y, line.Text, line.Class);
        }
        w.WriteEndElement();
    }
}
