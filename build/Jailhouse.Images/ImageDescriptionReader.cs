using Jailhouse.Config;
using Jailhouse.Config.Text;
using Jailhouse.Config.Yaml;
using YamlDotNet.RepresentationModel;

namespace Jailhouse.Images;

/// <summary>Reads bsp/&lt;board&gt;/image.yaml with file:line:column errors.</summary>
public sealed class ImageDescriptionReader
{
    private static readonly NameTable TableKinds = new("partition table",
        ("none", (ulong)PartitionTableKind.None), ("gpt", (ulong)PartitionTableKind.Gpt), ("mbr", (ulong)PartitionTableKind.Mbr));

    private static readonly NameTable FilesystemKinds = new("file system",
        ("none", (ulong)FilesystemKind.None), ("fat", (ulong)FilesystemKind.Fat), ("fat12", (ulong)FilesystemKind.Fat12),
        ("fat16", (ulong)FilesystemKind.Fat16), ("fat32", (ulong)FilesystemKind.Fat32), ("ext4", (ulong)FilesystemKind.Ext4));

    private readonly YamlNodes nodes;

    private ImageDescriptionReader(string file) => nodes = new YamlNodes(file);

    public static ImageDescription ReadFile(string path, string board) =>
        Read(InputFiles.ReadText(path, InputLimit.BoardDescription), path, board);

    public static ImageDescription Read(string text, string file, string board)
    {
        var reader = new ImageDescriptionReader(file);
        var top = reader.nodes.Map(YamlNodes.ParseDocument(text, file), "the image description");
        var description = new ImageDescription { Board = board };
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in reader.nodes.List(top.Required("images"), "images"))
        {
            var image = reader.ReadImage(item);
            if (!names.Add(image.File))
                throw reader.nodes.Error(item, $"image file \"{image.File}\" is listed twice");
            description.Images.Add(image);
        }
        top.Done();
        return description;
    }

    private ImageSpec ReadImage(YamlNode node)
    {
        var f = nodes.Map(node, "an image");
        var image = new ImageSpec { Origin = nodes.Where(node) };
        var fileNode = f.Required("file");
        image.File = nodes.Scalar(fileNode, "image file");
        if (image.File.Length == 0 || image.File.Contains('/') || image.File.StartsWith('.'))
            throw nodes.Error(fileNode, $"image file: expected a plain file name, found \"{image.File}\"");
        image.Size = (long)nodes.Size(f.Required("size"), "image size", long.MaxValue);
        if (image.Size % 512 != 0)
            throw nodes.Error(f.Required("size"), "image size: expected a multiple of 512 bytes");
        if (f.Optional("table") is { } table)
        {
            image.Table = (PartitionTableKind)nodes.Named(table, TableKinds, "table");
            if (!Enum.IsDefined(image.Table))
                throw nodes.Error(table, $"table: expected one of {TableKinds.Expected}");
        }
        if (f.Optional("table-only") is { } tableOnly)
            image.TableOnly = nodes.Bool(tableOnly, "table-only");
        if (f.Optional("sparse-split") is { } split)
            image.SparseSplit = (long)nodes.Size(split, "sparse-split", long.MaxValue);
        if (image.Table == PartitionTableKind.None)
        {
            ReadContents(f, image.Contents, required: true);
        }
        else
        {
            foreach (var item in nodes.List(f.Required("partitions"), "partitions"))
                image.Partitions.Add(ReadPartition(item));
            if (image.Partitions.Count == 0)
                throw nodes.Error(node, "a partitioned image needs at least one partition");
        }
        if (image.TableOnly && image.Table != PartitionTableKind.Gpt)
            throw nodes.Error(node, "table-only applies to GPT images");
        f.Done();
        return image;
    }

    private PartitionSpec ReadPartition(YamlNode node)
    {
        var f = nodes.Map(node, "a partition");
        var partition = new PartitionSpec
        {
            Name = nodes.Scalar(f.Required("name"), "partition name"),
            Origin = nodes.Where(node),
        };
        if (f.Optional("type") is { } type)
            partition.Type = nodes.Scalar(type, "partition type");
        if (f.Optional("size") is { } size)
            partition.Size = (long)nodes.Size(size, "partition size", long.MaxValue);
        if (f.Optional("start") is { } start)
            partition.Start = (long)nodes.Size(start, "partition start", long.MaxValue);
        if (f.Optional("bootable") is { } bootable)
            partition.Bootable = nodes.Bool(bootable, "bootable");
        ReadContents(f, partition.Contents, required: false);
        f.Done();
        return partition;
    }

    private void ReadContents(Fields f, FilesystemContents contents, bool required)
    {
        var fsNode = required ? f.Required("filesystem") : f.Optional("filesystem");
        if (fsNode is not null)
        {
            contents.Filesystem = (FilesystemKind)nodes.Named(fsNode, FilesystemKinds, "filesystem");
            if (!Enum.IsDefined(contents.Filesystem))
                throw nodes.Error(fsNode, $"filesystem: expected one of {FilesystemKinds.Expected}");
        }
        if (f.Optional("label") is { } label)
            contents.Label = nodes.Scalar(label, "label");
        if (f.Optional("files") is { } files)
        {
            var map = nodes.Map(files, "files (destination: source)");
            foreach (var (key, value) in map.Node.Children)
            {
                string destination = nodes.Scalar(key, "a destination path");
                contents.Files[destination.Trim('/')] = nodes.Scalar(value, $"the source of {destination}");
                map.Optional(destination);
            }
        }
        if (f.Optional("trees") is { } trees)
            foreach (var item in nodes.List(trees, "trees"))
                contents.Trees.Add(nodes.Scalar(item, "a tree"));
        if (contents.Filesystem == FilesystemKind.None && (contents.Files.Count > 0 || contents.Trees.Count > 0))
            throw nodes.Error(fsNode ?? f.Node, "files or trees need a filesystem (fat, fat12, fat16, fat32 or ext4)");
    }
}
