using System.Diagnostics;
using Jailhouse.Config.Binary;
using Jailhouse.Config.Check;
using Jailhouse.Config.Yaml;

// Benchmarks print numbers; they assert nothing. Usage:
//   Jailhouse.Benchmarks REFERENCE_DIR [--aot PATH_TO_NATIVE_jailhouse] [--dll PATH_TO_jailhouse.dll] [--fat] [--size LABEL=PATH]...
//                        [--gic-demo GIC_DEMO_BIN@LINK_BASE] [--cell-gic-demo REPOSITORY@HYPERVISOR_BIN@GIC_DEMO_BIN]
//   Jailhouse.Benchmarks incremental REPOSITORY CONFIGURATION BOARD...
if (args.Length >= 3 && args[0] == "incremental")
    return IncrementalBuild.Run(args[1], args[2], args[3..]);
if (args.Length < 1 || !Directory.Exists(args[0]))
{
    Console.Error.WriteLine("usage: Jailhouse.Benchmarks REFERENCE_DIR [--aot NATIVE_CLI] [--dll CLI_DLL] [--fat] [--size LABEL=PATH]... [--gic-demo BIN@BASE] [--cell-gic-demo REPO@HV_BIN@GIC_DEMO_BIN]\n" +
        "       Jailhouse.Benchmarks incremental REPOSITORY CONFIGURATION BOARD...");
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
CheckAll();
CheckManyRegions(30_000);
CheckManyRegions(100_000);

string sample = files.First(f => f.Path.EndsWith("qemu-x86.cell", StringComparison.Ordinal)).Path;
if (args.Contains("--fat"))
    FatBenchmark();
if (aot is not null)
    StartUp("NativeAOT jailhouse config show", aot, ["config", "show", sample]);
// --size LABEL=PATH (repeatable): the size of a built file (native CLIs, jailhouse.bin, ...).
for (int i = 0; i + 1 < args.Length; i++)
{
    if (args[i] != "--size" || !args[i + 1].Contains('='))
        continue;
    string label = args[i + 1][..args[i + 1].IndexOf('=')];
    string path = args[i + 1][(label.Length + 1)..];
    Console.WriteLine($"{"size " + label,-44} {new FileInfo(path).Length,12:N0} bytes");
}
if (dll is not null)
    StartUp("dotnet jailhouse.dll config show", "dotnet", [dll, "config", "show", sample]);
// --gic-demo BIN@BASE: gic-demo linked at BASE (jailhouse inmate build --base), run bare-metal.
if (Option("--gic-demo") is { } gicDemo && gicDemo.LastIndexOf('@') is > 0 and var at)
    InmateLatency.Run(gicDemo[..at], Convert.ToUInt64(gicDemo[(at + 1)..], 16));
// --cell-gic-demo REPOSITORY@HYPERVISOR_BIN@GIC_DEMO_BIN: the shipped gic-demo in the inmate-demo
// cell under the arm64 hypervisor, bare-metal: start-to-first-line time and timer latency.
if (Option("--cell-gic-demo")?.Split('@') is [var repository, var hypervisorBin, var cellGicDemo])
    CellStartup.Run(repository, hypervisorBin, cellGicDemo);
return 0;

// A 64 MiB FAT32 ESP holding 48 MiB of files: our writer against mkfs.vfat + mcopy.
void FatBenchmark()
{
    string dir = Directory.CreateTempSubdirectory("jailhouse-fat-bench-").FullName;
    try
    {
        var random = new Random(1);
        var payload = new List<string>();
        foreach (var (name, size) in new[] { ("Image", 30 << 20), ("initrd.img", 16 << 20), ("BOOTAA64.EFI", 640 << 10), ("grub.cfg", 200) })
        {
            string path = Path.Combine(dir, name);
            var data = new byte[size];
            random.NextBytes(data);
            File.WriteAllBytes(path, data);
            payload.Add(path);
        }
        double megabytes = payload.Sum(p => new FileInfo(p).Length) / 1048576.0;
        var ours = new List<double>();
        var tools = new List<double>();
        for (int round = 0; round < 5; round++)
        {
            string image = Path.Combine(dir, "ours.img");
            var watch = Stopwatch.StartNew();
            var fat = new Jailhouse.Images.FatImageWriter(64L << 20, "ESP", 1, DateTimeOffset.UnixEpoch, Jailhouse.Images.FatType.Fat32);
            foreach (string file in payload)
                fat.AddFileFrom(Path.GetFileName(file), file);
            using (var stream = File.Create(image))
                fat.WriteTo(stream);
            ours.Add(watch.Elapsed.TotalSeconds);

            string other = Path.Combine(dir, "tools.img");
            File.Delete(other);
            watch.Restart();
            Run("mkfs.vfat", "-F", "32", "-C", other, "65536");
            Run("mcopy", ["-i", other, .. payload, "::/"]);
            tools.Add(watch.Elapsed.TotalSeconds);
        }
        ours.Sort();
        tools.Sort();
        Console.WriteLine($"FAT32 64 MiB ESP, {megabytes:F1} MiB of files: FatImageWriter {megabytes / ours[2],8:F0} MB/s ({ours[2] * 1000:F0} ms), mkfs.vfat + mcopy {megabytes / tools[2],8:F0} MB/s ({tools[2] * 1000:F0} ms), median of 5");
    }
    finally
    {
        Directory.Delete(dir, recursive: true);
    }
}

void Run(string program, params string[] arguments)
{
    var result = Jailhouse.ExternalTool.Run(program, arguments);
    if (result.ExitCode != 0)
        throw new InvalidOperationException($"{program} exited with {result.ExitCode}: {result.Output}");
}

// config check over every reference file alone plus each system with all cells of its folder
// (read from disk each time, as the command does): ms per file and for the whole set.
void CheckAll()
{
    var alone = files.Select(f => new[] { f.Path }).ToList();
    var sets = files.GroupBy(f => Path.GetDirectoryName(f.Path)).SelectMany(folder =>
    {
        var all = folder.Select(f => f.Path).ToList();
        var systems = folder.Where(f => ConfigBinaryReader.Read(f.Bytes, f.Path, out _).IsSystem).Select(f => f.Path).ToList();
        return systems.Select(s => all.Where(p => p == s || !systems.Contains(p)).ToArray());
    }).ToList();
    int checkedFiles = alone.Count + sets.Sum(s => s.Length);
    void Pass()
    {
        foreach (var set in alone.Concat(sets))
            ConfigChecker.CheckFiles(set);
    }
    Pass(); // warm-up
    var watch = Stopwatch.StartNew();
    int passes = 0;
    while (watch.Elapsed < TimeSpan.FromSeconds(2))
    {
        Pass();
        passes++;
    }
    double ms = watch.Elapsed.TotalMilliseconds / passes;
    Console.WriteLine($"{"config check (all references)",-30} {ms / checkedFiles,12:N3} ms/file  ({ms:N2} ms for {alone.Count} files alone + {sets.Count} system sets, {checkedFiles} file loads)");
}

// `config check` of one cell with N page-aligned memory regions, every 1000th overlapping the next
// one: the overlap rules sort and sweep, so the time should grow about linearly with N.
void CheckManyRegions(int count)
{
    var config = new Jailhouse.Config.Model.JailhouseConfig
    {
        Architecture = Jailhouse.Config.Model.Architecture.Arm64,
        Cell = new Jailhouse.Config.Model.CellConfig { Name = "many", Cpus = [1] },
    };
    for (int i = 0; i < count; i++)
        config.Cell.MemoryRegions.Add(new Jailhouse.Config.Model.MemoryRegion
        {
            PhysStart = 0x80000000UL + ((ulong)i << 12),
            VirtStart = 0x80000000UL + ((ulong)i << 12),
            Size = i % 1000 == 999 ? 0x2000UL : 0x1000UL,
            Flags = Jailhouse.Config.Model.MemoryFlags.Read,
        });
    var inputs = new[] { new CheckInput("many.yaml", config) };
    ConfigChecker.Check(inputs); // warm-up
    var watch = Stopwatch.StartNew();
    var report = ConfigChecker.Check(inputs);
    Console.WriteLine($"{$"config check ({count:N0} regions)",-30} {watch.Elapsed.TotalSeconds,12:N3} s  ({report.Findings.Count:N0} findings)");
}

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
        var watch = Stopwatch.StartNew();
        Run(program, arguments);
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
