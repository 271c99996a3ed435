using System.Text;

namespace Jailhouse;

/// <summary>
/// The up-to-date check of one build step: everything its outputs are made from -- input files by
/// sha256, tool versions, options -- as sorted text lines, kept in a stamp file beside the outputs.
/// A step whose stamp holds exactly these lines (and whose outputs all still exist with the sizes
/// recorded) is skipped; otherwise the stamp is removed, the step runs and the stamp is rewritten
/// atomically afterwards, so an interrupted step never looks current. Every stamp also names the
/// jailhouse build that checks it (its own assemblies by hash): changed build code reruns the steps.
/// </summary>
public sealed class BuildStamp(string stampPath)
{
    private readonly SortedSet<string> lines = new(StringComparer.Ordinal) { "tool jailhouse " + OwnCode.Value };
    private static readonly Dictionary<string, string> ToolVersions = new(StringComparer.Ordinal);

    public string StampPath { get; } = Path.GetFullPath(stampPath);

    /// <summary>
    /// Where the stamp of a step whose outputs fill <paramref name="outputDirectory"/> goes: beside
    /// that directory, in .stamps/STEP.stamp, so that folders released or archived whole (images/,
    /// configs/) hold only outputs.
    /// </summary>
    public static string Beside(string outputDirectory, string step) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(outputDirectory).TrimEnd('/'))!, ".stamps", step + ".stamp");

    /// <summary>One input file by content (a missing file is an input too: its later appearance reruns the step).</summary>
    public BuildStamp File(string path)
    {
        string full = Path.GetFullPath(path);
        // A symbolic link is its target's text: a root file system's links (/lib/ld-linux-*.so.1 ->
        // /lib/aarch64-linux-gnu/...) point into the target's tree, not the host's.
        if (new FileInfo(full).LinkTarget is { } target)
            lines.Add($"link {full} {target}");
        else
            lines.Add($"file {full} {(System.IO.File.Exists(full) ? FileHash.Sha256(full) : "missing")}");
        return this;
    }

    public BuildStamp Files(IEnumerable<string> paths)
    {
        foreach (string path in paths)
            File(path);
        return this;
    }

    /// <summary>
    /// Every file under a directory (links by their target). In a source tree
    /// (<paramref name="sourceTree"/>) build outputs (bin/, obj/) and hidden entries are left out;
    /// an artifact tree such as a root file system counts whole.
    /// </summary>
    public BuildStamp Tree(string directory, bool sourceTree = false)
    {
        string full = Path.GetFullPath(directory);
        if (!Directory.Exists(full))
        {
            lines.Add($"tree {full} missing");
            return this;
        }
        var pending = new Stack<string>([full]);
        while (pending.Count > 0)
        {
            string current = pending.Pop();
            foreach (string sub in Directory.EnumerateDirectories(current))
            {
                if (sourceTree && (Path.GetFileName(sub) is "bin" or "obj" || Path.GetFileName(sub).StartsWith('.')))
                    continue;
                if (new DirectoryInfo(sub).LinkTarget is { } target)
                    lines.Add($"link {sub} {target}");
                else
                    pending.Push(sub);
            }
            foreach (string file in Directory.EnumerateFiles(current))
                if (!sourceTree || !Path.GetFileName(file).StartsWith('.'))
                    File(file);
        }
        return this;
    }

    /// <summary>A tool by what `PROGRAM ARGS` prints (first line), asked once per process.</summary>
    public BuildStamp Tool(string program, params string[] versionArguments)
    {
        string key = string.Join(' ', [program, .. versionArguments]);
        if (!ToolVersions.TryGetValue(key, out string? version))
        {
            ToolResult result;
            try
            {
                result = ExternalTool.Run(program, versionArguments);
            }
            catch (InvalidOperationException)
            {
                result = new ToolResult(-1, "", "not installed");
            }
            version = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
            ToolVersions[key] = version;
        }
        lines.Add($"tool {key}: {version}");
        return this;
    }

    public BuildStamp Option(string name, string? value)
    {
        lines.Add($"option {name}={value ?? "(none)"}");
        return this;
    }

    /// <summary>The stamp's text: the inputs (sorted) and, once recorded, the outputs with their sizes.</summary>
    public string Text(IEnumerable<string> outputs)
    {
        var text = new StringBuilder();
        foreach (string line in lines)
            text.Append(line).Append('\n');
        foreach (string output in outputs.Select(Path.GetFullPath).Order(StringComparer.Ordinal))
            text.Append($"output {output} {(System.IO.File.Exists(output) ? new FileInfo(output).Length : -1)}\n");
        return text.ToString();
    }

    /// <summary>True when the stamp records exactly these inputs and every output is there, unchanged in size.</summary>
    public bool IsCurrent(IEnumerable<string> outputs)
    {
        var listed = outputs.ToList();
        if (!System.IO.File.Exists(StampPath) || listed.Any(o => !System.IO.File.Exists(o)))
            return false;
        return System.IO.File.ReadAllText(StampPath) == Text(listed);
    }

    /// <summary>
    /// Runs <paramref name="build"/> unless the stamp is current (or <paramref name="force"/>);
    /// returns whether it ran. The stamp is removed first and written only after success.
    /// </summary>
    public bool Run(IReadOnlyList<string> outputs, bool force, Action build)
    {
        if (!force && IsCurrent(outputs))
            return false;
        if (System.IO.File.Exists(StampPath))
            System.IO.File.Delete(StampPath);
        build();
        AtomicFile.Write(StampPath, Encoding.UTF8.GetBytes(Text(outputs)), createDirectory: true);
        return true;
    }

    /// <summary>
    /// The build code itself: the jailhouse assemblies beside the running one (the CLI and its
    /// libraries, the same bytes in the CLI's and the tests' folders, so that both share stamps),
    /// or the native binary.
    /// </summary>
    private static readonly Lazy<string> OwnCode = new(() =>
    {
        string directory = AppContext.BaseDirectory;
        var files = Directory.EnumerateFiles(directory, "*.dll")
            .Where(f => Path.GetFileName(f) is var name && (name == "jailhouse.dll"
                || (name.StartsWith("Jailhouse.", StringComparison.Ordinal) && !name.StartsWith("Jailhouse.Tests", StringComparison.Ordinal)
                    && !name.StartsWith("Jailhouse.Benchmarks", StringComparison.Ordinal))))
            .Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0 && Environment.ProcessPath is { } native)
            files.Add(native);
        return FileHash.Sha256Of(files);
    });
}
