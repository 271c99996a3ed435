using System.Text;

namespace Jailhouse;

/// <summary>
/// What one kind of input file may weigh. A file over its limit is refused with its size before
/// it is parsed, so an endless input (/dev/zero, a pipe that never closes) cannot exhaust memory.
/// The limits are stated in README.md ("Bad input").
/// </summary>
public sealed record InputLimit(string What, long Bytes)
{
    /// <summary>A binary or YAML configuration: 100,000 memory regions in YAML stay below it.</summary>
    public static readonly InputLimit Configuration = new("configuration", 16 << 20);
    /// <summary>bsp/&lt;board&gt;/board.yaml or image.yaml.</summary>
    public static readonly InputLimit BoardDescription = new("board description", 1 << 20);
    /// <summary>recipes/target-packages.lock or a resolved lock.</summary>
    public static readonly InputLimit PackageLock = new("package lock", 1 << 20);
    /// <summary>A device tree blob (real ones are below 256 KiB).</summary>
    public static readonly InputLimit DeviceTree = new("device tree", 16 << 20);
    /// <summary>A hypervisor console log given to `diagnose`.</summary>
    public static readonly InputLimit Log = new("console log", 64 << 20);
    /// <summary>A `config collect` snapshot tar (PCI config spaces and ACPI tables included).</summary>
    public static readonly InputLimit Snapshot = new("snapshot", 64 << 20);
    /// <summary>An image loaded into a cell with `cell load` (a kernel plus initramfs fits).</summary>
    public static readonly InputLimit CellImage = new("cell image", 512 << 20);

    public override string ToString() => $"{What} limit of {InputFiles.Describe(Bytes)}";
}

/// <summary>
/// The one way the commands read an input file: bounded by an <see cref="InputLimit"/>, with every
/// failure a <see cref="InputException"/> "FILE: error: cannot read the file: REASON".
/// </summary>
public static class InputFiles
{
    public static byte[] Read(string path, InputLimit limit)
    {
        if (path.Length == 0)
            throw new InputException(new SourceLocation("''", 0, 0), "an empty file name");
        if (Directory.Exists(path))
            throw CannotRead(path, "it is a directory");
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            // A regular file says its size up front; devices and pipes are read until the limit.
            if (stream.CanSeek && stream.Length > limit.Bytes)
                throw TooLarge(path, limit, $"{stream.Length} bytes");
            var contents = new MemoryStream(stream.CanSeek ? (int)stream.Length : 0);
            byte[] buffer = new byte[81920];
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (contents.Length + read > limit.Bytes)
                    throw TooLarge(path, limit, $"more than {limit.Bytes} bytes");
                contents.Write(buffer, 0, read);
            }
            return contents.ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw CannotRead(path, Reason(e));
        }
    }

    /// <summary>UTF-8 text (a byte-order mark is dropped); anything else names the first bad byte.</summary>
    public static string ReadText(string path, InputLimit limit) => DecodeText(Read(path, limit), path);

    public static string DecodeText(byte[] bytes, string path)
    {
        int start = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xef, 0xbb, 0xbf]) ? 3 : 0;
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes, start, bytes.Length - start);
        }
        catch (DecoderFallbackException e)
        {
            throw new InputException(SourceLocation.AtByte(path, start + Math.Max(0, e.Index)), "expected UTF-8 text, found a byte that is not");
        }
    }

    public static InputException CannotRead(string path, string reason) =>
        new(new SourceLocation(path, 0, 0), $"cannot read the file: {reason}");

    private static InputException TooLarge(string path, InputLimit limit, string size) =>
        new(new SourceLocation(path, 0, 0), $"the file has {size}, over the {limit}");

    /// <summary>The operating system's reason without .NET's wording around it (the path is printed once, in front).</summary>
    public static string Reason(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "no such file or directory",
        UnauthorizedAccessException => "permission denied",
        PathTooLongException => "the path is too long",
        _ => e.Message,
    };

    public static string Describe(long bytes) =>
        bytes % (1 << 20) == 0 ? $"{bytes >> 20} MiB" : bytes % 1024 == 0 ? $"{bytes >> 10} KiB" : $"{bytes} bytes";
}
