using Jailhouse.Config;

namespace Jailhouse.Images;

/// <summary>
/// Builds the images of an <see cref="ImageDescription"/> from a board's artifacts directory.
/// Every output is written to a temporary file and renamed; a raw disk gets a .bmap beside it.
/// </summary>
public sealed class ImageBuilder(ImageDescription description, string artifactsDirectory, DateTimeOffset timestamp)
{
    private const long Alignment = 1 << 20;
    private const int Sector = 512;

    /// <summary>Builds every image into <paramref name="outputDirectory"/>; returns the files written.</summary>
    public List<string> Build(string outputDirectory)
    {
        Directory.CreateDirectory(outputDirectory);
        var written = new List<string>();
        foreach (var image in description.Images)
            written.AddRange(BuildImage(image, outputDirectory));
        return written;
    }

    private string Source(string relative, SourceLocation origin)
    {
        string path = Path.GetFullPath(Path.Combine(artifactsDirectory, relative));
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new InputException(origin, $"\"{relative}\" is not in {artifactsDirectory} (build it first)");
        return path;
    }

    private IEnumerable<string> BuildImage(ImageSpec image, string outputDirectory)
    {
        string final = Path.Combine(outputDirectory, image.File);
        string temporary = final + $".tmp-{Environment.ProcessId}";
        var outputs = new List<string>();
        try
        {
            try
            {
                if (image.Table == PartitionTableKind.None)
                    WriteFilesystem(image.Contents, temporary, 0, image.Size, image.File, image.Origin);
                else
                    WriteDisk(image, temporary);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // Writers and e2fsprogs refuse what does not fit: report it at the image's entry.
                throw new InputException(image.Origin, $"{image.File}: {e.Message}");
            }
            File.Move(temporary, final, overwrite: true);
            outputs.Add(final);
        }
        finally
        {
            if (File.Exists(temporary))
                File.Delete(temporary);
        }

        if (image.Table != PartitionTableKind.None && !image.TableOnly)
        {
            string bmap = Path.ChangeExtension(final, ".bmap");
            AtomicFile.Write(bmap, System.Text.Encoding.UTF8.GetBytes(BmapWriter.Create(final)));
            outputs.Add(bmap);
        }
        if (image.SparseSplit > 0)
            outputs.AddRange(WriteSparsePieces(final, image.SparseSplit));
        return outputs;
    }

    /// <summary>Android sparse pieces NAME.sparse-N.img, each at most <paramref name="limit"/> bytes.</summary>
    private static List<string> WriteSparsePieces(string raw, long limit)
    {
        var outputs = new List<string>();
        using var input = File.OpenRead(raw);
        var chunks = AndroidSparseWriter.Analyse(input);
        var pieces = AndroidSparseWriter.Split(chunks, input.Length / 4096, limit);
        string stem = Path.Combine(Path.GetDirectoryName(raw)!, Path.GetFileNameWithoutExtension(raw));
        foreach (string stale in Directory.EnumerateFiles(Path.GetDirectoryName(raw)!, Path.GetFileName(stem) + ".sparse-*.img"))
            File.Delete(stale);
        for (int i = 0; i < pieces.Count; i++)
        {
            string piece = $"{stem}.sparse-{i}.img";
            using (var output = File.Create(piece + ".tmp"))
                AndroidSparseWriter.Write(input, pieces[i], input.Length / 4096, output);
            File.Move(piece + ".tmp", piece, overwrite: true);
            outputs.Add(piece);
        }
        return outputs;
    }

    private void WriteDisk(ImageSpec image, string path)
    {
        long sectors = image.Size / Sector;
        var layout = Layout(image);
        string board = description.Board;
        if (image.Table == PartitionTableKind.Gpt)
        {
            var partitions = layout.Select(p => new GptPartition(p.Spec.Name, GptType(p.Spec), Reproducible.GuidFrom(board, image.File, p.Spec.Name),
                p.Start / Sector, (p.Start + p.Size) / Sector - 1, p.Spec.Bootable ? 4UL : 0UL)).ToList();
            var (primary, backup) = GptWriter.Build(sectors, Reproducible.GuidFrom(board, image.File), partitions);
            using var stream = File.Create(path);
            if (image.TableOnly)
            {
                stream.Write(primary);
                return;
            }
            stream.SetLength(image.Size);
            stream.Write(primary);
            stream.Position = image.Size - backup.Length;
            stream.Write(backup);
        }
        else
        {
            var partitions = layout.Select(p => new MbrPartition(MbrType(p.Spec), checked((uint)(p.Start / Sector)), checked((uint)(p.Size / Sector)), p.Spec.Bootable)).ToList();
            using var stream = File.Create(path);
            stream.SetLength(image.Size);
            stream.Write(MbrWriter.Build(Reproducible.IdFrom(board, image.File), partitions));
        }
        foreach (var (spec, start, size) in layout)
            if (spec.Contents.Filesystem != FilesystemKind.None)
                WriteFilesystem(spec.Contents, path, start, size, $"{image.File}:{spec.Name}", spec.Origin);
    }

    /// <summary>Partition placement: 1 MiB aligned, in order; size 0 takes the rest of the disk.</summary>
    private static List<(PartitionSpec Spec, long Start, long Size)> Layout(ImageSpec image)
    {
        long end = image.Table == PartitionTableKind.Gpt ? (GptWriter.LastUsableLba(image.Size / Sector) + 1) * Sector : image.Size;
        var placed = new List<(PartitionSpec, long, long)>();
        long next = Alignment;
        for (int i = 0; i < image.Partitions.Count; i++)
        {
            var p = image.Partitions[i];
            long start = p.Start > 0 ? p.Start : (next + Alignment - 1) / Alignment * Alignment;
            long size = p.Size > 0 ? p.Size : end - start;
            if (p.Size == 0 && i != image.Partitions.Count - 1)
                throw new InputException(p.Origin, $"partition \"{p.Name}\": only the last partition may omit its size");
            if (start < next || start % Sector != 0 || size <= 0 || size % Sector != 0 || start + size > end)
                throw new InputException(p.Origin,
                    $"partition \"{p.Name}\" (start {start}, size {size}) does not fit: it must start at or after {next}, on a sector, and end by {end}");
            placed.Add((p, start, size));
            next = start + size;
        }
        return placed;
    }

    private static Guid GptType(PartitionSpec spec) => spec.Type switch
    {
        "efi-system" => GptWriter.EfiSystemType,
        "linux" => GptWriter.LinuxFilesystemType,
        "basic-data" => GptWriter.BasicDataType,
        _ when Guid.TryParse(spec.Type, out var guid) => guid,
        _ => throw new InputException(spec.Origin, $"partition \"{spec.Name}\": type \"{spec.Type}\" is not efi-system, linux, basic-data or a GUID"),
    };

    private static byte MbrType(PartitionSpec spec) => spec.Type switch
    {
        "efi-system" => MbrWriter.TypeEfiSystem,
        "linux" => MbrWriter.TypeLinux,
        "basic-data" or "fat32" => MbrWriter.TypeFat32Lba,
        _ when spec.Type.StartsWith("0x", StringComparison.Ordinal) && byte.TryParse(spec.Type.AsSpan(2), System.Globalization.NumberStyles.HexNumber, null, out byte b) => b,
        _ => throw new InputException(spec.Origin, $"partition \"{spec.Name}\": MBR type \"{spec.Type}\" is not efi-system, linux, basic-data or a byte like 0x83"),
    };

    private void WriteFilesystem(FilesystemContents contents, string path, long offset, long size, string name, SourceLocation origin)
    {
        uint volumeId = Reproducible.IdFrom(description.Board, name);
        switch (contents.Filesystem)
        {
            case FilesystemKind.Fat or FilesystemKind.Fat12 or FilesystemKind.Fat16 or FilesystemKind.Fat32:
                FatType? type = contents.Filesystem switch
                {
                    FilesystemKind.Fat12 => FatType.Fat12,
                    FilesystemKind.Fat16 => FatType.Fat16,
                    FilesystemKind.Fat32 => FatType.Fat32,
                    _ => null,
                };
                FatImageWriter fat;
                try
                {
                    fat = new FatImageWriter(size, contents.Label, volumeId, timestamp, type) { HiddenSectors = (uint)(offset / Sector) };
                    foreach (var (destination, source) in contents.Files)
                        fat.AddFileFrom(destination, Source(source, origin));
                    foreach (string tree in contents.Trees)
                    {
                        string root = Source(tree, origin);
                        foreach (string file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                            fat.AddFileFrom(Path.GetRelativePath(root, file), file);
                    }
                    using var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite);
                    fat.WriteTo(stream, offset);
                }
                catch (ArgumentException e)
                {
                    throw new InputException(origin, $"{name}: {e.Message}");
                }
                break;
            case FilesystemKind.Ext4:
                string staging = path + ".tree";
                string fsImage = path + ".ext4";
                try
                {
                    if (Directory.Exists(staging))
                        Directory.Delete(staging, recursive: true);
                    Directory.CreateDirectory(staging);
                    foreach (string tree in contents.Trees)
                        CopyTree(Source(tree, origin), staging);
                    foreach (var (destination, source) in contents.Files)
                    {
                        string target = Path.Combine(staging, destination);
                        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                        File.Copy(Source(source, origin), target, overwrite: true);
                    }
                    NormaliseModes(staging);
                    Ext4ImageWriter.Write(fsImage, size, staging, contents.Label, Reproducible.GuidFrom(description.Board, name), timestamp);
                    CopyExtents(fsImage, path, offset);
                }
                finally
                {
                    if (Directory.Exists(staging))
                        Directory.Delete(staging, recursive: true);
                    if (File.Exists(fsImage))
                        File.Delete(fsImage);
                }
                break;
        }
    }

    /// <summary>mke2fs -d copies modes from disk, which carry the builder's umask: keep only the executable bit.</summary>
    private static void NormaliseModes(string tree)
    {
        const UnixFileMode Readable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        const UnixFileMode Executable = Readable | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        foreach (var info in new DirectoryInfo(tree).EnumerateFileSystemInfos("*", SearchOption.AllDirectories).Prepend(new DirectoryInfo(tree)))
        {
            if (info.LinkTarget is not null)
                continue;
            bool executable = info is DirectoryInfo || (info.UnixFileMode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
            info.UnixFileMode = executable ? Executable : Readable;
        }
    }

    private static void CopyTree(string source, string destination)
    {
        foreach (string directory in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(destination, Path.GetRelativePath(source, directory)));
        foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var info = new FileInfo(file);
            string target = Path.Combine(destination, Path.GetRelativePath(source, file));
            if (info.LinkTarget is { } link)
                File.CreateSymbolicLink(target, link);
            else
                File.Copy(file, target, overwrite: true);
        }
    }

    /// <summary>Copies the data extents of <paramref name="source"/> into <paramref name="destination"/> at <paramref name="offset"/>, keeping holes.</summary>
    private static void CopyExtents(string source, string destination, long offset)
    {
        using var input = File.OpenRead(source);
        using var output = new FileStream(destination, FileMode.OpenOrCreate, FileAccess.ReadWrite);
        if (output.Length < offset + input.Length)
            output.SetLength(offset + input.Length);
        var buffer = new byte[1 << 20];
        foreach (var (start, length) in FileExtents.DataExtents(source))
        {
            input.Position = start;
            output.Position = offset + start;
            long remaining = length;
            while (remaining > 0)
            {
                int n = input.Read(buffer, 0, (int)Math.Min(buffer.Length, remaining));
                if (n == 0)
                    break;
                output.Write(buffer, 0, n);
                remaining -= n;
            }
        }
    }
}
