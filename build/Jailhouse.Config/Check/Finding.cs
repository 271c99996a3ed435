namespace Jailhouse.Config.Check;

public enum Severity
{
    Warning,
    Error,
}

/// <summary>
/// One problem the checker found: which rule, in which file and cell, at which entry (its YAML
/// path, e.g. <c>root-cell.memory[3]</c> or <c>cell.memory[ram]</c>) and where that entry was
/// written (line:column in YAML, a byte offset in a binary file), what is wrong and how to fix it.
/// </summary>
public sealed record Finding(
    Severity Severity,
    string Rule,
    string File,
    string Cell,
    string Entry,
    SourceLocation? Location,
    string Message,
    string Fix)
{
    public bool IsError => Severity == Severity.Error;

    /// <summary>"FILE:LINE:COL: error: ENTRY: MESSAGE" (or the byte offset for binary input).</summary>
    public override string ToString() =>
        $"{(Location is { } where ? where.ToString() : File)}: {(IsError ? "error" : "warning")}: {Entry}: {Message}";
}

/// <summary>All findings of one check, in a stable order: by file as given, then by position.</summary>
public sealed class CheckReport(IReadOnlyList<string> files, IReadOnlyList<Finding> findings)
{
    public IReadOnlyList<string> Files { get; } = files;
    public IReadOnlyList<Finding> Findings { get; } = findings;
    public int Errors => Findings.Count(f => f.IsError);
    public int Warnings => Findings.Count(f => !f.IsError);
    public bool HasErrors => Findings.Any(f => f.IsError);
}
