using System.CommandLine;
using System.Text;
using Jailhouse.Config;
using Jailhouse.Debian;
using Jailhouse.Images;

namespace Jailhouse.Cli;

/// <summary>`jailhouse release tarball|manifest|verify`: reproducible release archives, their manifest, and the comparison of two releases.</summary>
internal static class ReleaseCommands
{
    public static Command Create()
    {
        var release = new Command("release", "Package release tarballs and write the release manifest.");
        release.Subcommands.Add(Tarball());
        release.Subcommands.Add(Manifest());
        release.Subcommands.Add(Verify());
        return release;
    }

    private static Command Tarball()
    {
        var directory = new Argument<string>("DIR") { Description = "Directory to archive." };
        var prefix = new Option<string>("--prefix") { Description = "Top-level folder name inside the archive.", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "The .tar.gz to write.", Required = true };
        var force = UpToDateCommands.ForceOption();
        var command = new Command("tarball", "Archive a directory as a reproducible .tar.gz (sorted entries, fixed owner, mode and mtime); skipped when its files are unchanged.")
            { directory, prefix, output, force };
        OutputPaths.Check(command, output);
        command.SetAction(parse =>
        {
            string source = parse.GetRequiredValue(directory);
            if (!Directory.Exists(source))
                throw new InputException(new SourceLocation(source, 0, 0), "not a directory");
            string tarball = parse.GetRequiredValue(output);
            var timestamp = Reproducible.Timestamp();
            var stamp = new BuildStamp(BuildStamp.Beside(Path.GetDirectoryName(Path.GetFullPath(tarball))!, "release/" + Path.GetFileName(tarball)))
                .Tree(source).Option("prefix", parse.GetRequiredValue(prefix))
                .Option("timestamp", timestamp.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (!stamp.Run([tarball], parse.GetValue(force), () =>
            {
                using var buffer = new MemoryStream();
                ReleaseTarball.Write(source, parse.GetRequiredValue(prefix), buffer, timestamp);
                AtomicFile.Write(tarball, buffer.ToArray());
            }))
                UpToDateCommands.ReportSkipped(tarball);
            return Program.Success;
        });
        return command;
    }

    private static Command Manifest()
    {
        var artifacts = new Option<string>("--artifacts") { Description = "The artifacts root.", DefaultValueFactory = _ => "artifacts" };
        var lockFile = PackageCommands.ResolvedLockOption();
        var files = new Argument<string[]>("FILES") { Description = "Artifacts to list (paths; directories are walked).", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--output", "-o") { Description = "The manifest to write (JSON).", Required = true };
        var command = new Command("manifest", "Write the release manifest: SOURCE_DATE_EPOCH, tool versions, input packages and artifact sha256s.")
            { artifacts, lockFile, files, output };
        OutputPaths.Check(command, output, files);
        command.SetAction(parse =>
        {
            var listed = new List<string>();
            foreach (string path in parse.GetRequiredValue(files))
            {
                if (Directory.Exists(path))
                    listed.AddRange(Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories));
                else if (File.Exists(path))
                    listed.Add(path);
                else
                    throw new InputException(new SourceLocation(path, 0, 0), "no such artifact");
            }
            var inputs = TargetPackages.Load(".", parse.GetValue(lockFile), PackageCache.Default()).All
                .Select(p => new ReleaseManifest.Input(p.Name, p.Version, p.Architecture, p.Sha256));
            (string, string)[] tools =
            [
                ("dotnet", ReleaseManifest.ToolVersion("dotnet", "--version")),
                ("grub-mkimage", ReleaseManifest.ToolVersion("grub-mkimage", "--version")),
                ("mke2fs", ReleaseManifest.ToolVersion("mke2fs", "-V")),
                ("clang", ReleaseManifest.ToolVersion("clang", "--version")),
                ("ld.lld", ReleaseManifest.ToolVersion("ld.lld", "--version")),
            ];
            string manifest = ReleaseManifest.Write(Path.GetFullPath(parse.GetRequiredValue(artifacts)), listed, inputs, tools, Reproducible.Timestamp());
            AtomicFile.Write(parse.GetRequiredValue(output), Encoding.UTF8.GetBytes(manifest));
            return Program.Success;
        });
        return command;
    }

    private static Command Verify()
    {
        var first = new Argument<string>("FIRST") { Description = "A release directory (artifacts/release of one build)." };
        var second = new Argument<string>("SECOND") { Description = "The release directory of another build." };
        var diffoscope = new Option<bool>("--diffoscope") { Description = "Show each difference with diffoscope." };
        var command = new Command("verify", "Compare two release directories file by file: exit 0 when every file is bit-identical, 1 naming each file that differs or is missing.")
            { first, second, diffoscope };
        command.SetAction(parse =>
        {
            string a = parse.GetRequiredValue(first);
            string b = parse.GetRequiredValue(second);
            foreach (string directory in new[] { a, b })
                if (!Directory.Exists(directory))
                    throw new InputException(new SourceLocation(directory, 0, 0), "not a directory");
            var names = Directory.EnumerateFiles(a).Concat(Directory.EnumerateFiles(b)).Select(Path.GetFileName).OfType<string>()
                .Distinct().Order(StringComparer.Ordinal).ToList();
            var differing = new List<string>();
            foreach (string name in names)
            {
                string left = Path.Combine(a, name);
                string right = Path.Combine(b, name);
                if (!File.Exists(left) || !File.Exists(right))
                {
                    Console.Error.WriteLine($"{name}: only in {(File.Exists(left) ? a : b)}");
                    differing.Add(name);
                }
                else if (!File.ReadAllBytes(left).AsSpan().SequenceEqual(File.ReadAllBytes(right)))
                {
                    Console.Error.WriteLine($"{name}: differs (sha256 {FileHash.Sha256(left)} vs {FileHash.Sha256(right)})");
                    differing.Add(name);
                    if (parse.GetValue(diffoscope))
                        Console.Out.Write(ExternalTool.Run("diffoscope", [left, right]).Output);
                }
            }
            if (differing.Count > 0)
            {
                Console.Error.WriteLine($"not reproducible: {string.Join(", ", differing)}");
                return Program.InvalidInput;
            }
            Console.WriteLine($"reproducible: {names.Count} release files are bit-identical");
            return Program.Success;
        });
        return command;
    }
}
