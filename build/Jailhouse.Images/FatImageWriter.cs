using System.Buffers.Binary;
using System.Text;

namespace Jailhouse.Images;

public enum FatType
{
    Fat12 = 12,
    Fat16 = 16,
    Fat32 = 32,
}

/// <summary>
/// Builds a FAT12/16/32 file system image: long file names (VFAT), a fixed volume serial and label,
/// one timestamp for every entry, directory entries in ordinal name order, clusters allocated in
/// the order they are written, so the image streams out front to back and depends only on its
/// contents. Free clusters are skipped (left as holes when the output can seek).
/// </summary>
public sealed class FatImageWriter
{
    private const int SectorSize = 512;
    private const int DirEntrySize = 32;
    private const byte AttrReadOnly = 0x01, AttrDirectory = 0x10, AttrArchive = 0x20, AttrVolume = 0x08, AttrLongName = 0x0f;

    private readonly long totalSectors;
    private readonly string label;
    private readonly uint volumeId;
    private readonly ushort date, time;
    private readonly Node root = new("", null, IsDirectory: true);

    public FatType Type { get; }
    public int SectorsPerCluster { get; }
    public int ReservedSectors { get; }
    public int FatSectors { get; }
    public int RootEntries { get; }
    public long ClusterCount { get; }
    /// <summary>Written into the boot sector's hidden-sectors field: the partition's first LBA.</summary>
    public uint HiddenSectors { get; set; }

    private sealed record Node(string Name, Node? Parent, bool IsDirectory)
    {
        public SortedDictionary<string, Node> Children { get; } = new(StringComparer.Ordinal);
        public byte[]? Data { get; set; }
        public string? SourcePath { get; set; }
        public long FirstCluster { get; set; }
        public long ClusterCount { get; set; }
        public byte[]? Entries { get; set; }

        public long Size => Data?.Length ?? (SourcePath is null ? 0 : new FileInfo(SourcePath).Length);
    }

    public FatImageWriter(long sizeBytes, string volumeLabel, uint volumeId, DateTimeOffset timestamp, FatType? type = null)
    {
        if (sizeBytes % SectorSize != 0)
            throw new ArgumentException($"the FAT image size {sizeBytes} is not a multiple of {SectorSize}");
        totalSectors = sizeBytes / SectorSize;
        label = NormaliseLabel(volumeLabel);
        this.volumeId = volumeId;
        (date, time) = FatDateTime(timestamp);

        FatType chosen = type ?? (sizeBytes >= 512L << 20 ? FatType.Fat32 : sizeBytes >= 16L << 20 ? FatType.Fat16 : FatType.Fat12);
        Type = chosen;
        ReservedSectors = chosen == FatType.Fat32 ? 32 : 1;
        RootEntries = chosen == FatType.Fat32 ? 0 : 512;
        (SectorsPerCluster, FatSectors, ClusterCount) = Geometry(chosen);
    }

    private int RootDirSectors => RootEntries * DirEntrySize / SectorSize;
    private long FirstDataSector => ReservedSectors + 2L * FatSectors + RootDirSectors;
    private int ClusterBytes => SectorsPerCluster * SectorSize;

    /// <summary>The smallest power-of-two cluster whose cluster count suits the FAT type.</summary>
    private (int Spc, int FatSectors, long Clusters) Geometry(FatType type)
    {
        long min = type switch { FatType.Fat12 => 1, FatType.Fat16 => 4085, _ => 65525 };
        long max = type switch { FatType.Fat12 => 4084, FatType.Fat16 => 65524, _ => 0x0ffffff4 };
        for (int spc = 1; spc <= 128; spc *= 2)
        {
            // Grow the FAT until it holds an entry for every cluster the remaining space yields.
            int fatSectors = 1;
            long clusters;
            while (true)
            {
                long data = totalSectors - ReservedSectors - 2L * fatSectors - RootEntries * DirEntrySize / SectorSize;
                clusters = Math.Max(0, data / spc);
                long fatBits = (clusters + 2) * (int)type;
                int needed = (int)((fatBits + 8L * SectorSize - 1) / (8L * SectorSize));
                if (needed <= fatSectors)
                    break;
                fatSectors = needed;
            }
            if (clusters > max)
                continue;
            if (clusters < min)
                break;
            return (spc, fatSectors, clusters);
        }
        throw new ArgumentException($"{totalSectors * SectorSize} bytes cannot hold a valid {type} file system (wrong size for this FAT type)");
    }

    private static string NormaliseLabel(string text)
    {
        string upper = text.ToUpperInvariant();
        if (upper.Length > 11 || upper.Any(c => c < 0x20 || c > 0x7e || "\"*+,./:;<=>?[\\]|".Contains(c)))
            throw new ArgumentException($"volume label \"{text}\": at most 11 printable ASCII characters without \"*+,./:;<=>?[\\]|");
        return upper.PadRight(11);
    }

    private static (ushort Date, ushort Time) FatDateTime(DateTimeOffset timestamp)
    {
        var t = timestamp.UtcDateTime;
        if (t.Year < 1980)
            t = new DateTime(1980, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        if (t.Year > 2107)
            t = new DateTime(2107, 12, 31, 23, 59, 58, DateTimeKind.Utc);
        return ((ushort)((t.Year - 1980) << 9 | t.Month << 5 | t.Day), (ushort)(t.Hour << 11 | t.Minute << 5 | t.Second / 2));
    }

    private Node Directory(string path)
    {
        var node = root;
        foreach (string part in path.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            ValidateName(part);
            if (!node.Children.TryGetValue(part, out var child))
                node.Children[part] = child = new Node(part, node, IsDirectory: true);
            else if (!child.IsDirectory)
                throw new ArgumentException($"\"{path}\": \"{part}\" is a file");
            node = child;
        }
        return node;
    }

    private static void ValidateName(string name)
    {
        if (name is "." or ".." || name.Length > 255 || name.Any(c => c < 0x20 || "\"*/:<>?\\|".Contains(c)) || name.EndsWith('.') || name.EndsWith(' '))
            throw new ArgumentException($"\"{name}\" is not a valid FAT long file name");
    }

    public void AddDirectory(string path) => Directory(path);

    public void AddFile(string path, byte[] contents) => AddFileNode(path).Data = contents;

    /// <summary>Adds a file whose contents are read from <paramref name="sourcePath"/> while writing.</summary>
    public void AddFileFrom(string path, string sourcePath) => AddFileNode(path).SourcePath = sourcePath;

    private Node AddFileNode(string path)
    {
        string normal = path.Replace('\\', '/').Trim('/');
        int slash = normal.LastIndexOf('/');
        var parent = Directory(slash < 0 ? "" : normal[..slash]);
        string name = slash < 0 ? normal : normal[(slash + 1)..];
        ValidateName(name);
        if (parent.Children.TryGetValue(name, out var existing) && existing.IsDirectory)
            throw new ArgumentException($"\"{path}\" is a directory");
        var node = new Node(name, parent, IsDirectory: false);
        parent.Children[name] = node;
        return node;
    }

    /// <summary>Writes the file system at <paramref name="offset"/> of <paramref name="output"/>.</summary>
    public void WriteTo(Stream output, long offset = 0)
    {
        // Allocate clusters depth-first in sorted order: the same order the data is written.
        long nextCluster = 2;
        var order = new List<Node>();
        void Allocate(Node node)
        {
            if (node.IsDirectory)
                node.Entries = DirectoryEntries(node);
            long bytes = node.IsDirectory ? node.Entries!.Length : node.Size;
            bool fixedRoot = node == root && Type != FatType.Fat32;
            if (!fixedRoot && (bytes > 0 || node.IsDirectory))
            {
                node.FirstCluster = nextCluster;
                node.ClusterCount = Math.Max(1, (bytes + ClusterBytes - 1) / ClusterBytes);
                nextCluster += node.ClusterCount;
                order.Add(node);
            }
            foreach (var child in node.Children.Values)
                Allocate(child);
        }
        // Cluster numbers appear in directory entries: allocate first, then render entries again.
        Allocate(root);
        foreach (var node in order.Where(n => n.IsDirectory).Prepend(root))
            node.Entries = DirectoryEntries(node);
        long used = nextCluster - 2;
        if (used > ClusterCount)
            throw new ArgumentException($"the files need {used} clusters of {ClusterBytes} bytes, the {Type} image has {ClusterCount}");
        if (Type != FatType.Fat32 && root.Entries!.Length > RootEntries * DirEntrySize)
            throw new ArgumentException($"the root directory needs {root.Entries.Length / DirEntrySize} entries, {Type} allows {RootEntries}");

        output.Position = offset;
        byte[] boot = BootSector();
        output.Write(boot);
        if (Type == FatType.Fat32)
        {
            byte[] info = FsInfo(ClusterCount - used, nextCluster);
            output.Write(info);
            output.Position = offset + 6 * SectorSize;
            output.Write(boot);  // backup boot sector
            output.Write(info);  // backup FSInfo
        }
        output.Position = offset + (long)ReservedSectors * SectorSize;
        byte[] fat = Fat(order);
        output.Write(fat);
        output.Write(fat);
        if (Type != FatType.Fat32)
        {
            var rootDir = new byte[RootDirSectors * SectorSize];
            root.Entries!.CopyTo(rootDir, 0);
            output.Write(rootDir);
        }

        var buffer = new byte[1 << 20];
        foreach (var node in order)
        {
            output.Position = offset + (FirstDataSector + (node.FirstCluster - 2) * SectorsPerCluster) * SectorSize;
            long written;
            if (node.IsDirectory)
            {
                output.Write(node.Entries!);
                written = node.Entries!.Length;
            }
            else if (node.Data is not null)
            {
                output.Write(node.Data);
                written = node.Data.Length;
            }
            else
            {
                using var source = File.OpenRead(node.SourcePath!);
                written = 0;
                int n;
                while ((n = source.Read(buffer, 0, buffer.Length)) > 0)
                {
                    output.Write(buffer, 0, n);
                    written += n;
                }
            }
            // Zero the cluster tail: directories end at a zero entry, files must not leak stale bytes.
            long tail = node.ClusterCount * ClusterBytes - written;
            output.Write(new byte[tail]);
        }
        long end = offset + totalSectors * SectorSize;
        if (output.Length < end)
            output.SetLength(end);
    }

    private byte[] BootSector()
    {
        var s = new byte[SectorSize];
        var span = s.AsSpan();
        span[0] = 0xeb;
        span[1] = (byte)(Type == FatType.Fat32 ? 0x58 : 0x3c);
        span[2] = 0x90;
        "MSWIN4.1"u8.CopyTo(span[3..]);
        BinaryPrimitives.WriteUInt16LittleEndian(span[11..], SectorSize);
        span[13] = (byte)SectorsPerCluster;
        BinaryPrimitives.WriteUInt16LittleEndian(span[14..], (ushort)ReservedSectors);
        span[16] = 2;
        BinaryPrimitives.WriteUInt16LittleEndian(span[17..], (ushort)RootEntries);
        if (totalSectors < 0x10000 && Type != FatType.Fat32)
            BinaryPrimitives.WriteUInt16LittleEndian(span[19..], (ushort)totalSectors);
        else
            BinaryPrimitives.WriteUInt32LittleEndian(span[32..], checked((uint)totalSectors));
        span[21] = 0xf8;
        BinaryPrimitives.WriteUInt16LittleEndian(span[24..], 63);
        BinaryPrimitives.WriteUInt16LittleEndian(span[26..], 255);
        BinaryPrimitives.WriteUInt32LittleEndian(span[28..], HiddenSectors);
        int ext;
        if (Type == FatType.Fat32)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(span[36..], (uint)FatSectors);
            BinaryPrimitives.WriteUInt32LittleEndian(span[44..], 2);  // root directory cluster
            BinaryPrimitives.WriteUInt16LittleEndian(span[48..], 1);  // FSInfo sector
            BinaryPrimitives.WriteUInt16LittleEndian(span[50..], 6);  // backup boot sector
            ext = 64;
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(span[22..], (ushort)FatSectors);
            ext = 36;
        }
        span[ext] = 0x80;      // drive number
        span[ext + 2] = 0x29;  // extended boot signature: serial, label and type follow
        BinaryPrimitives.WriteUInt32LittleEndian(span[(ext + 3)..], volumeId);
        Encoding.ASCII.GetBytes(label, span[(ext + 7)..]);
        Encoding.ASCII.GetBytes(Type switch { FatType.Fat12 => "FAT12   ", FatType.Fat16 => "FAT16   ", _ => "FAT32   " }, span[(ext + 18)..]);
        span[510] = 0x55;
        span[511] = 0xaa;
        return s;
    }

    private static byte[] FsInfo(long freeClusters, long nextFree)
    {
        var s = new byte[SectorSize];
        BinaryPrimitives.WriteUInt32LittleEndian(s.AsSpan(0), 0x41615252);
        BinaryPrimitives.WriteUInt32LittleEndian(s.AsSpan(484), 0x61417272);
        BinaryPrimitives.WriteUInt32LittleEndian(s.AsSpan(488), (uint)freeClusters);
        BinaryPrimitives.WriteUInt32LittleEndian(s.AsSpan(492), (uint)nextFree);
        BinaryPrimitives.WriteUInt32LittleEndian(s.AsSpan(508), 0xaa550000);
        return s;
    }

    private byte[] Fat(List<Node> nodes)
    {
        var fat = new byte[FatSectors * SectorSize];
        uint endOfChain = Type switch { FatType.Fat12 => 0xfff, FatType.Fat16 => 0xffff, _ => 0x0fffffff };
        Set(fat, 0, endOfChain & ~0xffu | 0xf8);  // media descriptor in the low byte
        Set(fat, 1, endOfChain);
        foreach (var node in nodes)
            for (long c = node.FirstCluster; c < node.FirstCluster + node.ClusterCount; c++)
                Set(fat, c, c == node.FirstCluster + node.ClusterCount - 1 ? endOfChain : (uint)(c + 1));
        return fat;
    }

    private void Set(byte[] fat, long cluster, uint value)
    {
        switch (Type)
        {
            case FatType.Fat12:
                int at = (int)(cluster * 3 / 2);
                // Two 12-bit entries share three bytes: even clusters take the low 12 bits of the pair.
                uint pair = BinaryPrimitives.ReadUInt16LittleEndian(fat.AsSpan(at));
                pair = (cluster & 1) == 0 ? (pair & 0xf000u) | (value & 0xfffu) : (pair & 0x000fu) | ((value & 0xfffu) << 4);
                BinaryPrimitives.WriteUInt16LittleEndian(fat.AsSpan(at), (ushort)pair);
                break;
            case FatType.Fat16:
                BinaryPrimitives.WriteUInt16LittleEndian(fat.AsSpan((int)(cluster * 2)), (ushort)value);
                break;
            default:
                BinaryPrimitives.WriteUInt32LittleEndian(fat.AsSpan((int)(cluster * 4)), value);
                break;
        }
    }

    /// <summary>The entries of a directory: label (root) or dot entries, then each child with its long name.</summary>
    private byte[] DirectoryEntries(Node directory)
    {
        var entries = new List<byte[]>();
        if (directory == root)
        {
            if (label.Trim().Length > 0)
                entries.Add(ShortEntry(Encoding.ASCII.GetBytes(label), AttrVolume, 0, 0));
        }
        else
        {
            entries.Add(ShortEntry("."u8.ToArray().Concat(Enumerable.Repeat((byte)' ', 10)).ToArray(), AttrDirectory, directory.FirstCluster, 0));
            long parentCluster = directory.Parent == root ? 0 : directory.Parent!.FirstCluster;
            entries.Add(ShortEntry(".."u8.ToArray().Concat(Enumerable.Repeat((byte)' ', 9)).ToArray(), AttrDirectory, parentCluster, 0));
        }
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var child in directory.Children.Values)
        {
            byte[] shortName = ShortName(child.Name, taken, out bool needsLongName);
            if (needsLongName)
                entries.AddRange(LongNameEntries(child.Name, ShortNameChecksum(shortName)));
            byte attr = child.IsDirectory ? AttrDirectory : AttrArchive;
            entries.Add(ShortEntry(shortName, attr, child.FirstCluster, child.IsDirectory ? 0 : (uint)child.Size));
        }
        return entries.SelectMany(e => e).ToArray();
    }

    private byte[] ShortEntry(byte[] name11, byte attr, long cluster, uint size)
    {
        var e = new byte[DirEntrySize];
        name11.CopyTo(e, 0);
        e[11] = attr;
        if (attr != AttrVolume)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(e.AsSpan(14), time);
            BinaryPrimitives.WriteUInt16LittleEndian(e.AsSpan(16), date);
            BinaryPrimitives.WriteUInt16LittleEndian(e.AsSpan(18), date);
            BinaryPrimitives.WriteUInt16LittleEndian(e.AsSpan(20), (ushort)(cluster >> 16));
        }
        BinaryPrimitives.WriteUInt16LittleEndian(e.AsSpan(22), time);
        BinaryPrimitives.WriteUInt16LittleEndian(e.AsSpan(24), date);
        BinaryPrimitives.WriteUInt16LittleEndian(e.AsSpan(26), (ushort)cluster);
        BinaryPrimitives.WriteUInt32LittleEndian(e.AsSpan(28), size);
        return e;
    }

    private const string ShortNameChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'()-@^_`{}~";

    /// <summary>
    /// The 8.3 name: the name itself when it already is an upper-case 8.3 name, otherwise a
    /// BASIS~N.EXT alias (unique in the directory) and a long name beside it.
    /// </summary>
    private static byte[] ShortName(string name, HashSet<string> taken, out bool needsLongName)
    {
        int dot = name.LastIndexOf('.');
        string basePart = dot > 0 ? name[..dot] : name;
        string extension = dot > 0 ? name[(dot + 1)..] : "";
        bool exact = basePart.Length is >= 1 and <= 8 && extension.Length <= 3
            && basePart.All(c => ShortNameChars.Contains(c)) && extension.All(c => ShortNameChars.Contains(c));
        if (exact && taken.Add(Pad(basePart, extension)))
        {
            needsLongName = false;
            return Encoding.ASCII.GetBytes(Pad(basePart, extension));
        }
        needsLongName = true;
        string Clean(string s) => new(s.ToUpperInvariant().Where(c => c != ' ' && c != '.').Select(c => ShortNameChars.Contains(c) ? c : '_').ToArray());
        string basis = Clean(basePart);
        string ext = Clean(extension);
        if (ext.Length > 3)
            ext = ext[..3];
        if (basis.Length == 0)
            basis = "_";
        for (int n = 1; ; n++)
        {
            string suffix = $"~{n}";
            string candidate = Pad(basis[..Math.Min(basis.Length, 8 - suffix.Length)] + suffix, ext);
            if (taken.Add(candidate))
                return Encoding.ASCII.GetBytes(candidate);
        }
    }

    private static string Pad(string basePart, string extension) => basePart.PadRight(8) + extension.PadRight(3);

    private static byte ShortNameChecksum(byte[] name11)
    {
        byte sum = 0;
        foreach (byte b in name11)
            sum = (byte)((((sum & 1) << 7) | (sum >> 1)) + b);
        return sum;
    }

    /// <summary>VFAT long-name entries, last part first, 13 UTF-16 units each, NUL then 0xFFFF padded.</summary>
    private static IEnumerable<byte[]> LongNameEntries(string name, byte checksum)
    {
        char[] units = name.ToCharArray();
        int parts = (units.Length + 12) / 13;
        for (int part = parts; part >= 1; part--)
        {
            var e = new byte[DirEntrySize];
            e[0] = (byte)(part | (part == parts ? 0x40 : 0));
            e[11] = AttrLongName;
            e[13] = checksum;
            int[] offsets = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];
            for (int i = 0; i < 13; i++)
            {
                int index = (part - 1) * 13 + i;
                ushort unit = index < units.Length ? units[index] : index == units.Length ? (ushort)0 : (ushort)0xffff;
                BinaryPrimitives.WriteUInt16LittleEndian(e.AsSpan(offsets[i]), unit);
            }
            yield return e;
        }
    }
}
