using System.Buffers.Binary;
using System.Text;
using Jailhouse.Config;

namespace Jailhouse.Generate.Snapshot;

/// <summary>
/// An ACPI table as /sys/firmware/acpi/tables shows it: the 36-byte header (signature, length, ...)
/// and the body. Reads past the declared length are errors that name the table and the offset.
/// </summary>
public sealed class AcpiTable
{
    public const int HeaderLength = 36;

    public string Signature { get; }
    public byte Revision { get; }
    public byte[] Bytes { get; }
    private readonly SourceLocation file;

    private AcpiTable(string signature, byte revision, byte[] bytes, SourceLocation file)
    {
        Signature = signature;
        Revision = revision;
        Bytes = bytes;
        this.file = file;
    }

    public int Length => Bytes.Length;

    /// <summary>The table from the snapshot, or null when the machine has none.</summary>
    public static AcpiTable? TryRead(SystemSnapshot snapshot, string signature)
    {
        string path = $"sys/firmware/acpi/tables/{signature}";
        if (snapshot.TryRead(path) is not { } bytes)
            return null;
        return Parse(bytes, signature, SourceLocation.AtByte($"{snapshot.Source}:/{path}", 0));
    }

    public static AcpiTable Parse(byte[] bytes, string signature, SourceLocation file)
    {
        if (bytes.Length < HeaderLength)
            throw new InputException(file, $"expected an ACPI {signature} table of at least {HeaderLength} bytes, found {bytes.Length}");
        string found = Encoding.ASCII.GetString(bytes, 0, 4);
        if (found != signature)
            throw new InputException(file, $"expected the ACPI signature \"{signature}\", found \"{found}\"");
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4));
        if (length < HeaderLength || length > bytes.Length)
            throw new InputException(file with { ByteOffset = 4 }, $"table length {length} is outside {HeaderLength}..{bytes.Length} (the file size)");
        return new AcpiTable(signature, bytes[8], bytes[..(int)length], file);
    }

    public InputException Error(int offset, string message) => new(file with { ByteOffset = offset }, message);

    private ReadOnlySpan<byte> Span(int offset, int size)
    {
        if (offset < 0 || offset + size > Bytes.Length)
            throw Error(offset, $"expected {size} more bytes inside the table (length {Bytes.Length})");
        return Bytes.AsSpan(offset, size);
    }

    public byte U8(int offset) => Span(offset, 1)[0];
    public ushort U16(int offset) => BinaryPrimitives.ReadUInt16LittleEndian(Span(offset, 2));
    public uint U32(int offset) => BinaryPrimitives.ReadUInt32LittleEndian(Span(offset, 4));
    public ulong U64(int offset) => BinaryPrimitives.ReadUInt64LittleEndian(Span(offset, 8));
}
