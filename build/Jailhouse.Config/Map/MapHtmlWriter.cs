using System.Text;
using System.Xml;
using Jailhouse.Config.Text;

namespace Jailhouse.Config.Map;

/// <summary>
/// The map as one self-contained HTML page: the SVG inline (hover shows each region's name,
/// entry and exact range), then every cell's regions and the findings as tables, for reading
/// and searching. No scripts, no external style sheets or fonts.
/// </summary>
public static class MapHtmlWriter
{
    private const string StyleSheet = """
        body { font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; font-size: 13px; margin: 16px; color: #222222; }
        h2 { font-size: 15px; margin: 24px 0 6px 0; }
        table { border-collapse: collapse; margin-bottom: 12px; }
        th, td { border: 1px solid #d0d0d0; padding: 2px 8px; text-align: left; vertical-align: top; }
        th { background: #f4f4f4; }
        .swatch { display: inline-block; width: 10px; height: 10px; border: 1px solid #4d4d4d; margin-right: 6px; }
        .error { color: #d32f2f; font-weight: bold; }
        .warning { color: #b07d00; font-weight: bold; }
        """;

    public static byte[] Write(SystemMap map)
    {
        var output = new MemoryStream();
        var settings = new XmlWriterSettings
        {
            Encoding = new UTF8Encoding(false),
            Indent = true,
            IndentChars = " ",
            NewLineChars = "\n",
            OmitXmlDeclaration = true,
            ConformanceLevel = ConformanceLevel.Fragment,
        };
        using (var w = XmlWriter.Create(output, settings))
        {
            w.WriteRaw("<!DOCTYPE html>\n");
            w.WriteStartElement("html");
            w.WriteAttributeString("lang", "en");
            w.WriteStartElement("head");
            w.WriteStartElement("meta");
            w.WriteAttributeString("charset", "utf-8");
            w.WriteEndElement();
            w.WriteElementString("title", $"{map.Title}: memory and resource map");
            w.WriteElementString("style", StyleSheet);
            w.WriteEndElement();
            w.WriteStartElement("body");
            MapSvgWriter.WriteSvg(w, new MapLayout(map));
            Regions(w, map);
            Findings(w, map);
            w.WriteEndElement();
            w.WriteEndElement();
        }
        output.WriteByte((byte)'\n');
        return output.ToArray();
    }

    private static void Row(XmlWriter w, string cell, params string[] values)
    {
        w.WriteStartElement("tr");
        foreach (string value in values)
            w.WriteElementString(cell, value);
        w.WriteEndElement();
    }

    private static void Regions(XmlWriter w, SystemMap map)
    {
        foreach (var cell in map.Cells)
        {
            w.WriteElementString("h2", $"{(cell.IsRoot ? "Root cell" : "Cell")} {cell.Name} ({cell.File})");
            w.WriteStartElement("table");
            Row(w, "th", "kind", "name", "entry", "physical", "size", "guest", "flags");
            foreach (var r in cell.Regions)
            {
                w.WriteStartElement("tr");
                w.WriteStartElement("td");
                w.WriteStartElement("span");
                w.WriteAttributeString("class", "swatch");
                w.WriteAttributeString("style", $"background: {MapSvgWriter.Colour(r.Kind)}");
                w.WriteString("");
                w.WriteFullEndElement();
                w.WriteString(SystemMapBuilder.KindName(r.Kind));
                w.WriteEndElement();
                foreach (string value in new[]
                {
                    r.Label, r.Entry, r.Kind == MapKind.CommRegion ? "-" : MapLayout.Span(r.Start, r.Size), NumberSyntax.Size(r.Size),
                    MapLayout.Hex(r.Virt), string.Join(", ", r.Flags),
                })
                    w.WriteElementString("td", value);
                w.WriteEndElement();
            }
            w.WriteEndElement();
        }
    }

    private static void Findings(XmlWriter w, SystemMap map)
    {
        w.WriteElementString("h2", $"Findings of config check: {map.Errors} errors, {map.Warnings} warnings");
        if (map.Findings.Count == 0)
            return;
        w.WriteStartElement("table");
        Row(w, "th", "#", "severity", "cell", "entry", "range", "message", "fix");
        foreach (var f in map.Findings)
        {
            w.WriteStartElement("tr");
            w.WriteElementString("td", f.Number.ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.WriteStartElement("td");
            w.WriteAttributeString("class", f.Severity);
            w.WriteString(f.Severity);
            w.WriteEndElement();
            foreach (string value in new[] { $"{f.Cell} ({f.File})", f.Entry, f.Start is { } s ? MapLayout.Span(s, f.Size!.Value) : "-", $"{f.Message} [{f.Rule}]", f.Fix })
                w.WriteElementString("td", value);
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }
}
