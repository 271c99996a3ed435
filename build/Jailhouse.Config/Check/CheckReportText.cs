using System.Text;

namespace Jailhouse.Config.Check;

/// <summary>The report for people: findings grouped per cell, each with its entry, position and a one-line fix.</summary>
public static class CheckReportText
{
    public static string Format(CheckReport report)
    {
        var text = new StringBuilder();
        foreach (var group in report.Findings.GroupBy(f => (f.File, f.Cell)))
        {
            text.Append($"cell \"{group.Key.Cell}\" ({group.Key.File}):\n");
            foreach (var finding in group)
            {
                text.Append($"  {finding}\n");
                text.Append($"    fix: {finding.Fix}\n");
            }
        }
        string Count(int n, string what) => $"{n} {what}{(n == 1 ? "" : "s")}";
        text.Append($"{Count(report.Files.Count, "file")} checked: {Count(report.Errors, "error")}, {Count(report.Warnings, "warning")}\n");
        return text.ToString();
    }
}
