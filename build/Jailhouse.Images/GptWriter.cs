using System.Buffers.Binary;
using System.Text;

namespace Jailhouse.Images;

/// <summary>One GPT partition: inclusive LBA range, type and unique GUIDs, UTF-16 name (36 characters at most).</summary>
public sealed record GptPartition(string Name, Guid Type, Guid Unique, long FirstLba, long LastLba, ulong Attributes = 0)
{
    public long Sectors => LastLba - FirstLba + 1;
}

/// <summary>
/// Writes a GUID partition table: protective MBR (sector 0), primary header (LBA 1) and entry
/// array (LBA 2..33), and the backup entries and header at the end of the disk, with their CRC32s.
/// </summary>
public static class GptWriter
{
    public const int SectorSize = 512;
    public const int EntryCount = 128;
    public const int EntrySize = 128;
    public const int EntrySectors = EntryCount * EntrySize / SectorSize;  // 32
    public const long FirstUsableLba = 2 + EntrySectors;                   // 34

    public static readonly Guid EfiSystemType = new("c12a7328-f81f-11d2-ba4b-00a0c93ec93b");
    public static readonly Guid LinuxFilesystemType = new("0fc63daf-8483-4772-8e79-3d69d8477de4");
    public static readonly Guid BasicDataType = new("ebd0a0a2-b9e5-4433-87c0-68b6b72699c7");

    public static long LastUsableLba(long diskSectors) => diskSectors - 1 - EntrySectors - 1;

    /// <summary>The sectors of the primary table (LBA 0..33) and of the backup (last 33 sectors).</summary>
    public static (byte[] Primary, byte[] Backup) Build(long diskSectors, Guid diskGuid, IReadOnlyList<GptPartition> partitions)
    {
        if (partitions.Count > EntryCount)
            throw new ArgumentException($"at most {EntryCount} GPT partitions, got {partitions.Count}");
        long lastUsable = LastUsableLba(diskSectors);
        var sorted = partitions.OrderBy(p => p.FirstLba).ToList();
        for (int i = 0; i < sorted.Count; i++)
        {
            var p = sorted[i];
            if (p.FirstLba < FirstUsableLba || p.LastLba > lastUsable || p.LastLba < p.FirstLba)
                throw new ArgumentException($"partition \"{p.Name}\" (LBA {p.FirstLba}..{p.LastLba}) is outside the usable LBAs {FirstUsableLba}..{lastUsable}");
            if (i > 0 && sorted[i - 1].LastLba >= p.FirstLba)
                throw new ArgumentException($"partitions \"{sorted[i - 1].Name}\" and \"{p.Name}\" overlap");
            if (p.Name.Length > 36)
                throw new ArgumentException($"partition name \"{p.Name}\" is longer than 36 UTF-16 characters");
        }

        var entries = new byte[EntryCount * EntrySize];
        for (int i = 0; i < partitions.Count; i++)
        {
            var p = partitions[i];
            var e = entries.AsSpan(i * EntrySize, EntrySize);
            p.Type.TryWriteBytes(e);
            p.Unique.TryWriteBytes(e[16..]);
            BinaryPrimitives.WriteInt64LittleEndian(e[32..], p.FirstLba);
            BinaryPrimitives.WriteInt64LittleEndian(e[40..], p.LastLba);
            BinaryPrimitives.WriteUInt64LittleEndian(e[48..], p.Attributes);
            Encoding.Unicode.GetBytes(p.Name, e[56..]);
        }
        uint entriesCrc = Crc32.Compute(entries);

        var primary = new byte[FirstUsableLba * SectorSize];
        uint protectiveSectors = (uint)Math.Min(diskSectors - 1, uint.MaxValue);
        MbrWriter.Build(0, [new MbrPartition(MbrWriter.TypeGptProtective, 1, protectiveSectors)]).CopyTo(primary, 0);
        Header(primary.AsSpan(SectorSize, SectorSize), diskSectors, diskGuid, current: 1, backup: diskSectors - 1, entriesLba: 2, entriesCrc);
        entries.CopyTo(primary, 2 * SectorSize);

        var backup = new byte[(EntrySectors + 1) * SectorSize];
        entries.CopyTo(backup, 0);
        Header(backup.AsSpan(EntrySectors * SectorSize, SectorSize), diskSectors, diskGuid, current: diskSectors - 1, backup: 1,
            entriesLba: diskSectors - 1 - EntrySectors, entriesCrc);
        return (primary, backup);
    }

    /// <summary>Writes both tables into a disk image stream of exactly <paramref name="diskSectors"/> sectors.</summary>
    public static void Write(Stream disk, long diskSectors, Guid diskGuid, IReadOnlyList<GptPartition> partitions)
    {
        var (primary, backup) = Build(diskSectors, diskGuid, partitions);
        disk.SetLength(diskSectors * SectorSize);
        disk.Position = 0;
        disk.Write(primary);
        disk.Position = (diskSectors - 1 - EntrySectors) * SectorSize;
        disk.Write(backup);
    }

    private static void Header(Span<byte> h, long diskSectors, Guid diskGuid, long current, long backup, long entriesLba, uint entriesCrc)
    {
        "EFI PART"u8.CopyTo(h);
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], 0x00010000);  // revision 1.0
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], 92);          // header size
        BinaryPrimitives.WriteInt64LittleEndian(h[24..], current);
        BinaryPrimitives.WriteInt64LittleEndian(h[32..], backup);
        BinaryPrimitives.WriteInt64LittleEndian(h[40..], FirstUsableLba);
        BinaryPrimitives.WriteInt64LittleEndian(h[48..], LastUsableLba(diskSectors));
        diskGuid.TryWriteBytes(h[56..]);
        BinaryPrimitives.WriteInt64LittleEndian(h[72..], entriesLba);
        BinaryPrimitives.WriteUInt32LittleEndian(h[80..], EntryCount);
        BinaryPrimitives.WriteUInt32LittleEndian(h[84..], EntrySize);
        BinaryPrimitives.WriteUInt32LittleEndian(h[88..], entriesCrc);
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], Crc32.Compute(h[..92]));
    }
}
