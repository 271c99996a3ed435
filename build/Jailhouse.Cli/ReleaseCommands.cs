using System.CommandLine;
using System.Text;
using Jailhouse.Config;
using Jailhouse.Debian;
using Jailhouse.Images;

namespace Jailhouse.Cli;

/// <summary>`jailhouse release tarball|manifest`: reproducible release archives and their manifest.</summary>
internal static class ReleaseCommands
{
    public static Command Create()
    {
        var release = new Command("release", "Package release tarballs and write the release manifest.");
        release.Subcommands.Add(Tarball());
        release.Subcommands.Add(Manifest());
        return release;
    }

    private static Command Tarball()
    {
        var directory = new Argument<string>("DIR") { Description = "Directory to archive." };
        var prefix = new Option<string>("--prefix") { Description = "Top-level folder name inside the archive.", Required = true };
        var output = new Option<string>("--output", "-o") { Description = "The .tar.gz to write.", Required = true };
        var command = new Command("tarball", "Archive a directory as a reproducible .tar.gz (sorted entries, fixed owner, mode and mtime).") { directory, prefix, output };
        OutputPaths.Check(command, output);
        command.SetAction(parse =>
        {
            string source = parse.GetRequiredValue(directory);
            if (!Directory.Exists(source))
                throw new ConfigException(new SourceLocation(source, 0, 0), "not a directory");
            using var buffer = new MemoryStream();
            ReleaseTarball.Write(source, parse.GetRequiredValue(prefix), buffer, Reproducible.Timestamp());
            ConfigFiles.WriteAtomically(parse.GetRequiredValue(output), buffer.ToArray());
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
                    throw new ConfigException(new SourceLocation(path, 0, 0), "no such artifact");
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
            ConfigFiles.WriteAtomically(parse.GetRequiredValue(output), Encoding.UTF8.GetBytes(manifest));
            return Program.Success;
        });
        return command;
    }
}
