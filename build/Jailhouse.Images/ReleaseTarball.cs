using System.IO.Compression;
using SharpCompress.Common;
using SharpCompress.Writers.Tar;

namespace Jailhouse.Images;

/// <summary>
/// A release tarball (.tar.gz) of a directory: entries in ordinal path order, every mtime the
/// release timestamp, owner and mode as SharpCompress fixes them; gzip by .NET, whose header
/// carries no timestamp. Equal trees give equal bytes.
/// </summary>
public static class ReleaseTarball
{
    public static void Write(string directory, string prefix, Stream output, DateTimeOffset timestamp)
    {
        using var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true);
        using var tar = new TarWriter(gzip, new TarWriterOptions(CompressionType.None, finalizeArchiveOnClose: true) { LeaveStreamOpen = true });
        var files = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Select(f => (Path: f, Name: prefix + "/" + Path.GetRelativePath(directory, f).Replace('\\', '/')))
            .OrderBy(f => f.Name, StringComparer.Ordinal);
        foreach (var (path, name) in files)
        {
            using var stream = File.OpenRead(path);
            tar.Write(name, stream, timestamp.UtcDateTime);
        }
    }
}
