using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Jailhouse.Config.Check;

/// <summary>
/// The report for machines: {"files", "errors", "warnings", "findings": [{"severity", "rule",
/// "file", "cell", "entry", "line", "column", "byteOffset", "message", "fix"}]}, absent positions
/// as null. Written field by field with Utf8JsonWriter: no serializer, so the target's NativeAOT
/// binary carries no reflection or generated serialisation code for it.
/// </summary>
public static class CheckReportJson
{
    public static string Format(CheckReport report)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        // Messages quote names; keep the quotes readable (the output is not embedded in HTML).
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteStartArray("files");
            foreach (string file in report.Files)
                json.WriteStringValue(file);
            json.WriteEndArray();
            json.WriteNumber("errors", report.Errors);
            json.WriteNumber("warnings", report.Warnings);
            json.WriteStartArray("findings");
            foreach (var finding in report.Findings)
                WriteFinding(json, finding);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
    }

    private static void WriteFinding(Utf8JsonWriter json, Finding finding)
    {
        json.WriteStartObject();
        json.WriteString("severity", finding.IsError ? "error" : "warning");
        json.WriteString("rule", finding.Rule);
        json.WriteString("file", finding.File);
        json.WriteString("cell", finding.Cell);
        json.WriteString("entry", finding.Entry);
        WriteNumberOrNull(json, "line", finding.Location is { IsText: true } line ? line.Line : null);
        WriteNumberOrNull(json, "column", finding.Location is { IsText: true } column ? column.Column : null);
        WriteNumberOrNull(json, "byteOffset", finding.Location is { IsText: false, ByteOffset: >= 0 } offset ? offset.ByteOffset : null);
        json.WriteString("message", finding.Message);
        json.WriteString("fix", finding.Fix);
        json.WriteEndObject();
    }

    private static void WriteNumberOrNull(Utf8JsonWriter json, string name, long? value)
    {
        if (value is { } number)
            json.WriteNumber(name, number);
        else
            json.WriteNull(name);
    }
}
