using Jailhouse.Config;
using System.Globalization;
using System.Text;

namespace Jailhouse.Images;

/// <summary>
/// ext4 images through e2fsprogs' `mke2fs -d`, made deterministic: a UUID and hash seed derived from
/// names, every inode's times and owner pinned afterwards with `debugfs -w` (mke2fs -d copies them
/// from the source tree), and both tools run under libfaketime's frozen clock, because e2fsprogs
/// 1.47.0 stamps superblock write/check/creation times and the reserved inodes with the wall clock
/// despite E2FSPROGS_FAKE_TIME.
/// </summary>
public static class Ext4ImageWriter
{
    public static void Write(string imagePath, long size, string sourceTree, string label, Guid uuid, DateTimeOffset timestamp)
    {
        long seconds = timestamp.ToUnixTimeSeconds();
        if (File.Exists(imagePath))
            File.Delete(imagePath);
        string uuidText = uuid.ToString();
        Run(seconds, "mke2fs", ["-q", "-F", "-t", "ext4", "-b", "4096", "-L", label, "-U", uuidText,
            "-E", $"hash_seed={uuidText},root_owner=0:0,lazy_itable_init=0",
            "-d", sourceTree, imagePath, (size / 1024).ToString(CultureInfo.InvariantCulture) + "k"]);

        var commands = new StringBuilder();
        var paths = new List<string> { "/", "/lost+found" };
        paths.AddRange(Directory.EnumerateFileSystemEntries(sourceTree, "*", SearchOption.AllDirectories)
            .Select(p => "/" + Path.GetRelativePath(sourceTree, p).Replace('\\', '/'))
            .Order(StringComparer.Ordinal));
        foreach (string path in paths)
        {
            string quoted = "\"" + path.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
            foreach (string field in new[] { "atime", "mtime", "ctime", "crtime" })
                commands.Append(CultureInfo.InvariantCulture, $"sif {quoted} {field} @{seconds}\n");
            commands.Append(CultureInfo.InvariantCulture, $"sif {quoted} uid 0\nsif {quoted} gid 0\n");
        }
        string script = imagePath + ".debugfs";
        File.WriteAllText(script, commands.ToString());
        try
        {
            Run(seconds, "debugfs", ["-w", "-f", script, imagePath]);
        }
        finally
        {
            File.Delete(script);
        }
    }

    private static void Run(long seconds, string program, string[] arguments)
    {
        string frozen = DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        var result = ExternalTool.Run("faketime", ["-f", frozen, program, .. arguments],
            environment: [("TZ", "UTC"), ("E2FSPROGS_FAKE_TIME", seconds.ToString(CultureInfo.InvariantCulture))]);
        // debugfs reports failed commands on stderr but exits 0: treat any diagnostic as failure.
        string errors = result.StandardError.Trim();
        if (result.ExitCode != 0 || (program == "debugfs" && errors.Split('\n').Any(l => l.Length > 0 && !l.StartsWith("debugfs ", StringComparison.Ordinal))))
            throw new InvalidOperationException($"{program} failed (exit {result.ExitCode}): {errors}{result.StandardOutput}");
    }
}
