namespace Jailhouse;

/// <summary>Where a finding points: a YAML position (1-based line and column) or a byte offset.</summary>
public readonly record struct SourceLocation(string File, int Line, int Column, long ByteOffset = -1)
{
    public static SourceLocation AtByte(string file, long offset) => new(file, 0, 0, offset);

    public bool IsText => Line > 0;

    public override string ToString() =>
        IsText ? $"{File}:{Line}:{Column}"
        : ByteOffset >= 0 ? $"{File}: byte offset 0x{ByteOffset:x}"
        : File;
}

/// <summary>
/// Invalid input. The message says what was expected; <see cref="Location"/> says where.
/// The CLI prints it as "LOCATION: error: MESSAGE" and exits with 1.
/// </summary>
public sealed class InputException(SourceLocation location, string message) : Exception(message)
{
    public SourceLocation Location { get; } = location;

    public override string ToString() => $"{Location}: error: {Message}";
}

/// <summary>
/// A malformed command line: an option value that does not parse, a missing option, an unusable
/// output path. The CLI prints "jailhouse: error: OPTION: MESSAGE" and exits with 2 (invalid input is 1).
/// </summary>
public sealed class UsageException(string option, string message) : Exception(message)
{
    public string Option { get; } = option;

    public override string ToString() => $"jailhouse: error: {Option}: {Message}";
}
