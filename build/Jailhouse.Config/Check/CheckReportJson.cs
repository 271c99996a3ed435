using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Jailhouse.Config.Check;

/// <summary>
/// The report for machines: {"files", "errors", "warnings", "findings": [{"severity", "rule",
/// "file", "cell", "entry", "line", "column", "byteOffset", "message", "fix"}]}. Serialised through
/// a source-generated context, so it needs no reflection (NativeAOT).
/// </summary>
public static class CheckReportJson
{
    public static string Format(CheckReport report)
    {
        var document = new CheckReportDocument(
            report.Files,
            report.Errors,
            report.Warnings,
            report.Findings.Select(f => new FindingDocument(
                f.IsError ? "error" : "warning",
                f.Rule,
                f.File,
                f.Cell,
                f.Entry,
                f.Location is { IsText: true } t ? t.Line : null,
                f.Location is { IsText: true } c ? c.Column : null,
                f.Location is { IsText: false, ByteOffset: >= 0 } b ? b.ByteOffset : null,
                f.Message,
                f.Fix)).ToList());
        return JsonSerializer.Serialize(document, Context.CheckReportDocument) + "\n";
    }

    // Messages quote names; keep the quotes readable (the output is not embedded in HTML).
    private static readonly CheckReportJsonContext Context = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
    });
}

public sealed record CheckReportDocument(
    IReadOnlyList<string> Files, int Errors, int Warnings, IReadOnlyList<FindingDocument> Findings);

public sealed record FindingDocument(
    string Severity, string Rule, string File, string Cell, string Entry,
    int? Line, int? Column, long? ByteOffset, string Message, string Fix);

[JsonSerializable(typeof(CheckReportDocument))]
internal sealed partial class CheckReportJsonContext : JsonSerializerContext;
