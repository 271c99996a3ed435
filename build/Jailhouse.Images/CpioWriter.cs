using System.Text;

namespace Jailhouse.Images;

/// <summary>
/// Writes a cpio archive in the "newc" format Linux unpacks as an initramfs. Entries are written in
/// ordinal path order with sequential inode numbers, owner 0:0 and one fixed mtime, so the archive
/// depends only on its contents.
/// </summary>
public sealed class CpioWriter
{
    private const int HeaderSize = 110;
    private readonly SortedDictionary<string, Entry> entries = new(StringComparer.Ordinal);

    private sealed record Entry(uint Mode, byte[] Data, uint RdevMajor = 0, uint RdevMinor = 0);

    public const uint TypeDirectory = 0x4000;
    public const uint TypeFile = 0x8000;
    public const uint TypeSymlink = 0xa000;
    public const uint TypeCharDevice = 0x2000;

    private static string Normalise(string path)
    {
        string p = path.Replace('\\', '/').Trim('/');
        if (p.Length == 0 || p.Split('/').Any(part => part is "" or "." or ".."))
            throw new ArgumentException($"bad archive path \"{path}\"", nameof(path));
        return p;
    }

    /// <summary>Adds the directories above <paramref name="path"/> that are not there yet.</summary>
    private void Parents(string path)
    {
        for (int slash = path.IndexOf('/'); slash > 0; slash = path.IndexOf('/', slash + 1))
            entries.TryAdd(path[..slash], new Entry(TypeDirectory | 0x1ed, []));
    }

    public void AddDirectory(string path, uint permissions = 0x1ed)
    {
        string p = Normalise(path);
        Parents(p);
        entries[p] = new Entry(TypeDirectory | permissions, []);
    }

    public void AddFile(string path, byte[] contents, uint permissions = 0x1a4)
    {
        string p = Normalise(path);
        Parents(p);
        entries[p] = new Entry(TypeFile | permissions, contents);
    }

    public void AddSymlink(string path, string target)
    {
        string p = Normalise(path);
        Parents(p);
        entries[p] = new Entry(TypeSymlink | 0x1ff, Encoding.UTF8.GetBytes(target));
    }

    public void AddCharDevice(string path, uint major, uint minor, uint permissions = 0x180)
    {
        string p = Normalise(path);
        Parents(p);
        entries[p] = new Entry(TypeCharDevice | permissions, [], major, minor);
    }

    /// <summary>Adds a directory tree from disk (files, directories, symlinks); modes become 0755 or 0644, owners and times are not kept.</summary>
    public void AddTree(string sourceDirectory, string prefix = "")
    {
        foreach (var info in new DirectoryInfo(sourceDirectory).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(sourceDirectory, info.FullName).Replace('\\', '/');
            string path = prefix.Length == 0 ? relative : prefix.TrimEnd('/') + "/" + relative;
            // Modes from disk carry the builder's umask: keep only whether a file is executable.
            uint permissions = info is DirectoryInfo || ((uint)info.UnixFileMode & 0x49) != 0 ? 0x1edu : 0x1a4u;
            if (info.LinkTarget is { } target)
                AddSymlink(path, target);
            else if (info is DirectoryInfo)
                AddDirectory(path, permissions);
            else
                AddFile(path, File.ReadAllBytes(info.FullName), permissions);
        }
    }

    public void WriteTo(Stream output, DateTimeOffset mtime)
    {
        uint inode = 1;
        uint time = (uint)Math.Clamp(mtime.ToUnixTimeSeconds(), 0, uint.MaxValue);
        foreach (var (path, entry) in entries)
        {
            uint links = (entry.Mode & 0xf000) == TypeDirectory ? 2u : 1u;
            WriteEntry(output, path, entry.Mode, inode++, links, time, entry.Data, entry.RdevMajor, entry.RdevMinor);
        }
        WriteEntry(output, "TRAILER!!!", 0, 0, 1, 0, [], 0, 0);
    }

    private static void WriteEntry(Stream output, string name, uint mode, uint inode, uint links, uint mtime, byte[] data, uint rdevMajor, uint rdevMinor)
    {
        byte[] nameBytes = Encoding.UTF8.GetBytes(name + "\0");
        string header = string.Concat(
            "070701",
            Hex(inode), Hex(mode), Hex(0), Hex(0), Hex(links), Hex(mtime), Hex((uint)data.Length),
            Hex(0), Hex(0), Hex(rdevMajor), Hex(rdevMinor), Hex((uint)nameBytes.Length), Hex(0));
        output.Write(Encoding.ASCII.GetBytes(header));
        output.Write(nameBytes);
        Pad(output, HeaderSize + nameBytes.Length);
        output.Write(data);
        Pad(output, data.Length);
    }

    private static string Hex(uint value) => value.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);

    private static void Pad(Stream output, long length)
    {
        int padding = (int)((4 - length % 4) % 4);
        Span<byte> zeros = stackalloc byte[3];
        output.Write(zeros[..padding]);
    }
}
