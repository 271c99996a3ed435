using System.Diagnostics;
using Jailhouse.Config.Binary;
using Jailhouse.Config.Yaml;

// Benchmarks print numbers; they assert nothing. Usage:
//   Jailhouse.Benchmarks REFERENCE_DIR [--aot PATH_TO_NATIVE_jailhouse] [--dll PATH_TO_jailhouse.dll]
if (args.Length < 1 || !Directory.Exists(args[0]))
{
    Console.Error.WriteLine("usage: Jailhouse.Benchmarks REFERENCE_DIR [--aot NATIVE_CLI] [--dll CLI_DLL]");
    return 2;
}
string referenceDir = args[0];
string? aot = Option("--aot");
string? dll = Option("--dll");

var files = Directory.EnumerateFiles(referenceDir, "*.cell", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
    .Select(path => (Path: path, Bytes: File.ReadAllBytes(path))).ToList();
Console.WriteLine($"reference files: {files.Count}, {files.Sum(f => f.Bytes.Length)} bytes");

Measure("decode+encode (binary)", () =>
{
    foreach (var (path, bytes) in files)
        ConfigBinaryWriter.Write(ConfigBinaryReader.Read(bytes, path, out _));
});
var yamlTexts = files.Select(f => (f.Path, Text: YamlConfigWriter.Write(ConfigBinaryReader.Read(f.Bytes, f.Path, out _)))).ToList();
Measure("decompile (binary -> YAML)", () =>
{
    foreach (var (path, bytes) in files)
        YamlConfigWriter.Write(ConfigBinaryReader.Read(bytes, path, out _));
});
Measure("compile (YAML -> binary)", () =>
{
    foreach (var (path, text) in yamlTexts)
        ConfigBinaryWriter.Write(YamlConfigReader.Read(text, path));
});

string sample = files.First(f => f.Path.EndsWith("qemu-x86.cell", StringComparison.Ordinal)).Path;
if (aot is not null)
    StartUp("NativeAOT jailhouse config show", aot, ["config", "show", sample]);
if (dll is not null)
    StartUp("dotnet jailhouse.dll config show", "dotnet", [dll, "config", "show", sample]);
return 0;

void Measure(string what, Action pass)
{
    pass(); // warm-up: JIT and caches
    var watch = Stopwatch.StartNew();
    int passes = 0;
    while (watch.Elapsed < TimeSpan.FromSeconds(2))
    {
        pass();
        passes++;
    }
    double seconds = watch.Elapsed.TotalSeconds;
    Console.WriteLine($"{what,-30} {passes * files.Count / seconds,12:N0} files/s  ({seconds / passes / files.Count * 1e6:N1} us/file)");
}

void StartUp(string what, string program, string[] arguments)
{
    var times = new List<double>();
    for (int i = 0; i < 21; i++)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in arguments)
            info.ArgumentList.Add(a);
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} exited with {process.ExitCode}");
        if (i > 0) // the first run warms the page cache
            times.Add(watch.Elapsed.TotalMilliseconds);
    }
    times.Sort();
    Console.WriteLine($"{what,-36} median {times[times.Count / 2],7:N1} ms  min {times[0],7:N1} ms  (20 runs)");
}

string? Option(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
