using System.Formats.Tar;
using System.Text;
using Jailhouse.Config;

namespace Jailhouse.Generate.Snapshot;

/// <summary>
/// The files of a machine's /proc and /sys that the generator and the diagnosis read, keyed by
/// their path without the leading slash ("proc/iomem"). Stored as a ustar archive whose entries
/// are sorted by path, with mtime 0, owner 0:0 and mode 0644, so equal machines give equal bytes.
/// </summary>
public sealed class SystemSnapshot
{
    private readonly SortedDictionary<string, byte[]> files;

    /// <summary>Where the snapshot came from, for error messages ("machine.tar").</summary>
    public string Source { get; }

    public SystemSnapshot(string source, IDictionary<string, byte[]> files)
    {
        Source = source;
        this.files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (path, contents) in files)
            this.files[Normalise(path)] = contents;
    }

    public IEnumerable<string> Paths => files.Keys;

    /// <summary>"proc/iomem" for "/proc/iomem" and "./proc/iomem" (archives made with tar by hand).</summary>
    private static string Normalise(string path) => (path.StartsWith("./", StringComparison.Ordinal) ? path[2..] : path).TrimStart('/');

    public bool Contains(string path) => files.ContainsKey(Normalise(path));

    public byte[]? TryRead(string path) => files.TryGetValue(Normalise(path), out var bytes) ? bytes : null;

    public string? TryReadText(string path) => TryRead(path) is { } bytes ? Encoding.UTF8.GetString(bytes) : null;

    /// <summary>A file the caller cannot do without; missing means the snapshot is incomplete.</summary>
    public byte[] Read(string path, string why) =>
        TryRead(path) ?? throw new InputException(new SourceLocation(Source, 0, 0),
            $"the snapshot has no /{Normalise(path)} ({why}); collect it again with `jailhouse config collect` as root");

    public string ReadText(string path, string why) => Encoding.UTF8.GetString(Read(path, why));

    /// <summary>Where a finding inside one of the snapshot's files points: "machine.tar:proc/iomem:3:1".</summary>
    public SourceLocation At(string path, int line = 0, int column = 0) =>
        new($"{Source}:/{Normalise(path)}", line, column);

    /// <summary>The names directly below <paramref name="directory"/> (files or directories), sorted.</summary>
    public IReadOnlyList<string> List(string directory)
    {
        string prefix = Normalise(directory).TrimEnd('/') + "/";
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string path in files.Keys)
        {
            if (!path.StartsWith(prefix, StringComparison.Ordinal))
                continue;
            string rest = path[prefix.Length..];
            int slash = rest.IndexOf('/');
            names.Add(slash < 0 ? rest : rest[..slash]);
        }
        return [.. names];
    }

    public void WriteTar(Stream output)
    {
        using var tar = new TarWriter(output, TarEntryFormat.Ustar, leaveOpen: true);
        foreach (var (path, contents) in files)
        {
            var entry = new UstarTarEntry(TarEntryType.RegularFile, path)
            {
                ModificationTime = DateTimeOffset.UnixEpoch,
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                Uid = 0,
                Gid = 0,
                UserName = "root",
                GroupName = "root",
                DataStream = new MemoryStream(contents, writable: false),
            };
            tar.WriteEntry(entry);
        }
    }

    public byte[] ToTar()
    {
        using var stream = new MemoryStream();
        WriteTar(stream);
        return stream.ToArray();
    }

    public static SystemSnapshot ReadTar(string path)
    {
        using var stream = new MemoryStream(InputFiles.Read(path, InputLimit.Snapshot), writable: false);
        return ReadTar(stream, path);
    }

    private static string Describe(TarEntryType type) => type switch
    {
        TarEntryType.SymbolicLink => "a symbolic link",
        TarEntryType.HardLink => "a hard link",
        TarEntryType.Fifo => "a FIFO",
        TarEntryType.CharacterDevice => "a character device",
        TarEntryType.BlockDevice => "a block device",
        TarEntryType.SparseFile => "a sparse file",
        _ => $"of tar type '{(char)type}'",
    };

    public static SystemSnapshot ReadTar(Stream stream, string source)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        try
        {
            using var tar = new TarReader(stream, leaveOpen: true);
            long entryStart = 0;
            while (tar.GetNextEntry() is { } entry)
            {
                // Directories carry nothing, global PAX headers only metadata; a snapshot's files are
                // regular files (`config collect` writes nothing else), so any other entry is named
                // here instead of surfacing later as a missing file.
                if (entry.EntryType is TarEntryType.Directory or TarEntryType.GlobalExtendedAttributes)
                {
                    entryStart = stream.Position;
                    continue;
                }
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile))
                    throw new InputException(SourceLocation.AtByte(source, entryStart),
                        $"entry \"{entry.Name}\" is {Describe(entry.EntryType)}{(string.IsNullOrEmpty(entry.LinkName) ? "" : $" to \"{entry.LinkName}\"")}: a snapshot holds regular files only (as `jailhouse config collect` writes them)");
                using var contents = new MemoryStream();
                entry.DataStream?.CopyTo(contents);
                files[Normalise(entry.Name)] = contents.ToArray();
                entryStart = stream.Position;
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException or ArgumentException or OverflowException or NotSupportedException)
        {
            throw new InputException(SourceLocation.AtByte(source, stream.CanSeek ? stream.Position : 0),
                $"expected a tar archive written by `jailhouse config collect`: {e.Message}");
        }
        if (files.Count == 0)
            throw new InputException(new SourceLocation(source, 0, 0), "expected a tar archive written by `jailhouse config collect`, found no files");
        return new SystemSnapshot(source, files);
    }
}
