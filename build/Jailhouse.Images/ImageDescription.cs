using Jailhouse.Config;

namespace Jailhouse.Images;

/// <summary>bsp/&lt;board&gt;/image.yaml: the image files a board ships and what goes into them.</summary>
public sealed class ImageDescription
{
    public string Board { get; set; } = "";
    public List<ImageSpec> Images { get; } = [];
}

public enum FilesystemKind
{
    None,
    Fat,
    Fat12,
    Fat16,
    Fat32,
    Ext4,
}

public enum PartitionTableKind
{
    None,
    Gpt,
    Mbr,
}

/// <summary>What fills a file system: single files and/or whole directory trees, both from the board's artifacts.</summary>
public sealed class FilesystemContents
{
    /// <summary>Destination path in the file system -> source path under artifacts/&lt;board&gt;/.</summary>
    public SortedDictionary<string, string> Files { get; } = new(StringComparer.Ordinal);
    /// <summary>Directories under artifacts/&lt;board&gt;/ copied whole into the root.</summary>
    public List<string> Trees { get; } = [];
    public FilesystemKind Filesystem { get; set; }
    public string Label { get; set; } = "";
}

/// <summary>One output file: a bare file system, or a disk with a partition table.</summary>
public sealed class ImageSpec
{
    public string File { get; set; } = "";
    public long Size { get; set; }
    public PartitionTableKind Table { get; set; }
    /// <summary>Write only the primary partition table (what `fastboot flash ptable` takes), not a whole disk.</summary>
    public bool TableOnly { get; set; }
    public FilesystemContents Contents { get; } = new();
    public List<PartitionSpec> Partitions { get; } = [];
    /// <summary>Also write Android sparse pieces of at most this many bytes (0: none).</summary>
    public long SparseSplit { get; set; }
    public SourceLocation Origin { get; set; }
}

public sealed class PartitionSpec
{
    public string Name { get; set; } = "";
    /// <summary>GPT type GUID, or for MBR the type byte in the low bits of a GUID built from it.</summary>
    public string Type { get; set; } = "linux";
    /// <summary>Bytes; 0 means "the rest of the disk" (last partition only).</summary>
    public long Size { get; set; }
    /// <summary>First byte; 0 means "after the previous partition, 1 MiB aligned".</summary>
    public long Start { get; set; }
    public bool Bootable { get; set; }
    public FilesystemContents Contents { get; } = new();
    public SourceLocation Origin { get; set; }
}
