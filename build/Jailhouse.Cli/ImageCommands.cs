using System.CommandLine;
using Jailhouse.Config;
using Jailhouse.Images;

namespace Jailhouse.Cli;

/// <summary>`jailhouse image build|initramfs`: board images from bsp/&lt;board&gt;/image.yaml and the initramfs.</summary>
internal static class ImageCommands
{
    public static Command Create()
    {
        var image = new Command("image", "Build board images (file systems, partitioned disks, sparse pieces) and initramfs archives.");
        image.Subcommands.Add(Build());
        image.Subcommands.Add(Initramfs());
        return image;
    }

    private static Command Build()
    {
        var description = new Argument<string>("IMAGE_YAML") { Description = "The board's image description, e.g. bsp/hikey/image.yaml." };
        var board = new Option<string>("--board") { Description = "Board name (seeds GUIDs and volume IDs); default: the description's folder name." };
        var artifacts = new Option<string>("--artifacts") { Description = "Directory the description's source paths are relative to.", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "Directory for the images.", Required = true };
        var force = UpToDateCommands.ForceOption();
        var command = new Command("build", "Build every image a board's image.yaml describes; skipped when the description and the artifacts it takes are unchanged.")
            { description, board, artifacts, output, force };
        command.SetAction(parse =>
        {
            string path = parse.GetRequiredValue(description);
            string boardName = parse.GetValue(board) ?? Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path)))!;
            var spec = ImageDescriptionReader.ReadFile(path, boardName);
            string artifactsDirectory = parse.GetRequiredValue(artifacts);
            string outputDirectory = parse.GetRequiredValue(output);
            var timestamp = Reproducible.Timestamp();
            var stamp = new BuildStamp(BuildStamp.Beside(outputDirectory, "images")).File(path)
                .Option("board", boardName).Option("timestamp", timestamp.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (var contents in spec.Images.Select(i => i.Contents).Concat(spec.Images.SelectMany(i => i.Partitions).Select(p => p.Contents)))
            {
                stamp.Files(contents.Files.Values.Select(source => Path.Combine(artifactsDirectory, source)));
                foreach (string tree in contents.Trees)
                    stamp.Tree(Path.Combine(artifactsDirectory, tree));
            }
            if (spec.Images.Any(i => i.Contents.Filesystem == FilesystemKind.Ext4 || i.Partitions.Any(p => p.Contents.Filesystem == FilesystemKind.Ext4)))
                stamp.Tool("mke2fs", "-V");
            var outputs = spec.Images.Select(i => Path.Combine(outputDirectory, i.File)).ToList();
            IReadOnlyList<string> written = [];
            var watch = System.Diagnostics.Stopwatch.StartNew();
            if (!stamp.Run(outputs, parse.GetValue(force), () => written = new ImageBuilder(spec, artifactsDirectory, timestamp).Build(outputDirectory)))
                UpToDateCommands.ReportSkipped($"{boardName} images");
            foreach (string file in written)
                Console.WriteLine($"{file} ({new FileInfo(file).Length} bytes)");
            if (written.Count > 0)
                Console.WriteLine($"{boardName}: {written.Count} image file(s) built in {watch.Elapsed.TotalSeconds:F2} s");
            return Program.Success;
        });
        return command;
    }

    private static Command Initramfs()
    {
        var tree = new Argument<string>("TREE") { Description = "Root file system directory." };
        var output = new Option<string>("--output", "-o") { Description = "The .cpio.gz to write.", Required = true };
        var command = new Command("initramfs", "Pack a directory tree into a reproducible gzip-compressed cpio (newc) initramfs.") { tree, output };
        OutputPaths.Check(command, output);
        command.SetAction(parse =>
        {
            string source = parse.GetRequiredValue(tree);
            if (!Directory.Exists(source))
                throw new InputException(new SourceLocation(source, 0, 0), "not a directory");
            using var buffer = new MemoryStream();
            InitramfsBuilder.Write(source, buffer, Reproducible.Timestamp());
            AtomicFile.Write(parse.GetRequiredValue(output), buffer.ToArray());
            return Program.Success;
        });
        return command;
    }
}
