using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Jailhouse.Cli;
using Jailhouse.Driver;

namespace Jailhouse.Fuzz;

public sealed record FuzzOptions
{
    public int Seed { get; init; } = 1;
    public int Cases { get; init; } = 1000;
    /// <summary>Stop after this long even if fewer cases ran (0: no limit).</summary>
    public double MaxSeconds { get; init; }
    public string Reproducers { get; init; } = Path.Combine("artifacts", "fuzz", "reproducers");
    public TimeSpan Hang { get; init; } = TimeSpan.FromSeconds(10);
    public long MemoryLimit { get; init; } = 1L << 30;
}

/// <summary>What a run did: cases, time, failures, and per command how many cases exited 0, 1 and 2 (the mutators must reach past the parsers).</summary>
public sealed record FuzzResult(int Cases, TimeSpan Elapsed, IReadOnlyList<string> Failures, IReadOnlyDictionary<string, int[]> PerCommand);

/// <summary>
/// Runs the `jailhouse` commands in-process on mutated inputs. A case fails on an unhandled
/// exception, a stack trace in the output, an exit code other than 0/1/2, a usage or input error
/// without "error:", more than <see cref="FuzzOptions.Hang"/> of time, more than
/// <see cref="FuzzOptions.MemoryLimit"/> allocated, an input changed, or a file left behind that the
/// command may not write (any file at all when it failed). Each failure is written to a folder
/// with its inputs and arguments, so it can be run again by hand.
/// </summary>
public static partial class Runner
{
    [GeneratedRegex(@"(?m)^\s+at [\w.<>`]+\.[\w<>`|]+\(|Unhandled exception|System\.[A-Za-z.]+Exception:")]
    private static partial Regex StackTrace();

    public static FuzzResult Run(FuzzOptions options, TextWriter log)
    {
        var seeds = Seeds.Load(Seeds.RepositoryRoot());
        var mutator = new Mutator(new Random(options.Seed));
        var generator = new CaseGenerator(mutator, seeds);
        string work = Directory.CreateTempSubdirectory("jailhouse-fuzz-").FullName;
        var failures = new List<string>();
        var perCommand = new SortedDictionary<string, int[]>(StringComparer.Ordinal);
        var watch = Stopwatch.StartNew();
        int count = 0;
        var (stdout, stderr) = (Console.Out, Console.Error);
        var (openDriver, sysfs) = (TargetCommands.OpenDriver, TargetCommands.Sysfs);
        try
        {
            for (; count < options.Cases; count++)
            {
                if (options.MaxSeconds > 0 && watch.Elapsed.TotalSeconds > options.MaxSeconds)
                    break;
                var fuzzCase = generator.Next();
                string dir = Path.Combine(work, "case");
                string? failure = RunCase(fuzzCase, dir, options, out bool stop, out int exit);
                if (!perCommand.TryGetValue(fuzzCase.Command, out int[]? exits))
                    perCommand[fuzzCase.Command] = exits = new int[4];
                exits[exit is >= 0 and <= 2 ? exit : 3]++;
                if (failure is not null)
                {
                    string saved = SaveReproducer(options.Reproducers, options.Seed, count, fuzzCase, dir, failure);
                    failures.Add($"case {count} ({fuzzCase.Command}): {failure} -> {saved}");
                    log.WriteLine(failures[^1]);
                }
                if (stop)
                    break;
                if (Directory.Exists(dir))
                    Directory.Delete(dir, recursive: true);
            }
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
            (TargetCommands.OpenDriver, TargetCommands.Sysfs) = (openDriver, sysfs);
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
                // A hung case may still hold its folder; it is in the temporary directory.
            }
        }
        return new FuzzResult(count, watch.Elapsed, failures, perCommand);
    }

    private static string? RunCase(FuzzCase fuzzCase, string dir, FuzzOptions options, out bool stop, out int exitCode)
    {
        stop = false;
        exitCode = -1;
        Directory.CreateDirectory(dir);
        foreach (var (name, bytes) in fuzzCase.Inputs)
            File.WriteAllBytes(Path.Combine(dir, name), bytes);
        string[] args = fuzzCase.Args.Select(a => a.Replace("{dir}", dir, StringComparison.Ordinal)).ToArray();
        InstallDriver(fuzzCase.Driver, dir);

        using var outWriter = new StringWriter();
        using var errWriter = new StringWriter();
        Console.SetOut(outWriter);
        Console.SetError(errWriter);
        int exit = -1;
        Exception? crash = null;
        long allocated = 0;
        var thread = new Thread(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                exit = Jailhouse.Cli.Program.Main(args);
            }
            catch (Exception e)
            {
                crash = e;
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }, maxStackSize: 8 << 20) { IsBackground = true };
        thread.Start();
        bool finished = thread.Join(options.Hang);
        Console.SetOut(TextWriter.Null);
        Console.SetError(TextWriter.Null);
        if (!finished)
        {
            stop = true; // the thread cannot be stopped; the run ends here
            return $"hang: still running after {options.Hang.TotalSeconds} s";
        }
        exitCode = exit;
        string output = outWriter.ToString(), errors = errWriter.ToString();
        if (crash is not null)
            return $"crash: {crash.GetType().FullName}: {crash.Message}\n{crash.StackTrace}";
        if (StackTrace().IsMatch(output) || StackTrace().IsMatch(errors))
            return $"stack trace in the output (exit {exit}):\n{errors}";
        if (exit is not (0 or 1 or 2))
            return $"exit code {exit}";
        if (allocated > options.MemoryLimit)
            return $"memory: {allocated >> 20} MiB allocated";
        if (exit == 2 && !errors.Contains("error:", StringComparison.Ordinal))
            return $"usage error without \"error:\": {errors}";
        if (exit == 1 && errors.Length == 0 && output.Length == 0)
            return "exit 1 with no message";
        foreach (var (name, bytes) in fuzzCase.Inputs)
            if (!File.Exists(Path.Combine(dir, name)) || !File.ReadAllBytes(Path.Combine(dir, name)).AsSpan().SequenceEqual(bytes))
                return $"input {name} was changed";
        var allowed = new HashSet<string>(fuzzCase.Inputs.Keys, StringComparer.Ordinal);
        if (exit == 0)
            allowed.UnionWith(fuzzCase.Outputs);
        foreach (string entry in Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(dir, entry);
            if (!allowed.Contains(relative) && !(fuzzCase.Driver != DriverMode.Missing && relative.StartsWith("sysfs", StringComparison.Ordinal)))
                return $"left behind: {relative} (exit {exit})";
        }
        return null;
    }

    /// <summary>A fake driver and sysfs tree: missing (no module), busy (EBUSY), refusing (EINVAL) or accepting every request.</summary>
    private static void InstallDriver(DriverMode mode, string dir)
    {
        string root = Path.Combine(dir, "sysfs");
        if (mode != DriverMode.Missing)
        {
            Directory.CreateDirectory(Path.Combine(root, "cells", "0"));
            File.WriteAllText(Path.Combine(root, "enabled"), mode == DriverMode.Accepting ? "1\n" : "0\n");
            File.WriteAllText(Path.Combine(root, "console"), "Initializing Jailhouse hypervisor\n");
            foreach (var (name, value) in new[] { ("name", "root"), ("state", "running"), ("cpus_assigned_list", "0-3"), ("cpus_failed_list", "") })
                File.WriteAllText(Path.Combine(root, "cells", "0", name), value + "\n");
        }
        TargetCommands.Sysfs = () => new SysfsTree(root);
        TargetCommands.OpenDriver = () => mode switch
        {
            DriverMode.Missing => throw new JailhouseDeviceException("open /dev/jailhouse", LinuxErrno.ENOENT),
            _ => new FakeDriver(mode),
        };
    }

    private sealed class FakeDriver(DriverMode mode) : IJailhouseDriver
    {
        private void Request(string name)
        {
            if (mode == DriverMode.Busy)
                throw new JailhouseDeviceException(name, LinuxErrno.EBUSY);
            if (mode == DriverMode.Refusing)
                throw new JailhouseDeviceException(name, LinuxErrno.EINVAL);
        }

        public void Enable(ReadOnlySpan<byte> systemConfig) => Request("JAILHOUSE_ENABLE");
        public void Disable() => Request("JAILHOUSE_DISABLE");
        public void CreateCell(ReadOnlySpan<byte> cellConfig) => Request("JAILHOUSE_CELL_CREATE");
        public void LoadCell(CellIdArgument cell, IReadOnlyList<(byte[] Data, ulong Address)> images) => Request("JAILHOUSE_CELL_LOAD");
        public void StartCell(CellIdArgument cell) => Request("JAILHOUSE_CELL_START");
        public void DestroyCell(CellIdArgument cell) => Request("JAILHOUSE_CELL_DESTROY");
        public void Dispose() { }
    }

    private static string SaveReproducer(string folder, int seed, int index, FuzzCase fuzzCase, string dir, string failure)
    {
        string target = Path.GetFullPath(Path.Combine(folder, $"seed{seed}-case{index}-{fuzzCase.Command.Replace(' ', '-')}"));
        Directory.CreateDirectory(target);
        foreach (var (name, bytes) in fuzzCase.Inputs)
            File.WriteAllBytes(Path.Combine(target, name), bytes);
        var text = new StringBuilder();
        text.Append("# ").Append(failure.Split('\n')[0]).Append('\n');
        text.Append("# driver: ").Append(fuzzCase.Driver).Append('\n');
        text.Append("jailhouse ").Append(string.Join(' ', fuzzCase.Args.Select(a => "'" + a.Replace("{dir}", ".", StringComparison.Ordinal).Replace("'", "'\\''", StringComparison.Ordinal) + "'"))).Append('\n');
        File.WriteAllText(Path.Combine(target, "command.sh"), text.ToString());
        File.WriteAllText(Path.Combine(target, "failure.txt"), failure + "\n");
        return target;
    }
}
