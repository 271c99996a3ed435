using System.Buffers.Binary;
using System.Text.Json;
using Jailhouse.Config.Binary;
using static Jailhouse.Tests.Checking.CheckFixtures;

namespace Jailhouse.Tests.Checking;

/// <summary>`jailhouse config check` end to end: exit codes, text and JSON output, binary-only findings, the project's configs.</summary>
[Collection("console")]
public sealed class ConfigCheckCliTests : TempDirectoryTest
{
    private static (int Exit, string Out, string Err) Run(params string[] args) => CliTests.RunCli(args);

    private static string Reference(string name) => Path.Combine(Paths.ReferenceCells, name);

    private string Write(string name, string text)
    {
        string path = Path.Combine(temp, name);
        File.WriteAllText(path, text);
        return path;
    }

    private string WriteBytes(string name, byte[] bytes)
    {
        string path = Path.Combine(temp, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void CleanSetExitsZero()
    {
        var (exit, stdout, stderr) = Run("config", "check", Write("sys.yaml", ArmSystem()), Write("demo.yaml", ArmCell()));
        Assert.Equal(0, exit);
        Assert.Equal("2 files checked: 0 errors, 0 warnings\n", stdout);
        Assert.Empty(stderr);
    }

    [Fact]
    public void ErrorsExitOneAndAreGroupedPerCellWithAFix()
    {
        string sys = Write("sys.yaml", ArmSystem());
        string second = Write("second.yaml", ArmCell(name: "second", cpus: "1-2"));
        var (exit, stdout, _) = Run("config", "check", sys, Write("demo.yaml", ArmCell()), second);
        Assert.Equal(1, exit);
        Assert.Equal(
            $"""
            cell "second" ({second}):
              {second}:4:9: error: cell.cpus: CPU 1 also belongs to cell "demo" ({temp}/demo.yaml)
                fix: give each non-root cell its own CPUs
              {second}:8:7: error: cell.memory[ram]: 0x7fa00000-0x7fa0ffff overlaps 0x7fa00000-0x7fa0ffff of cell "demo" (cell.memory[ram]), and the two are not both shared
                fix: give each cell its own memory, or mark both regions rootshared if they are meant to be shared
            3 files checked: 2 errors, 0 warnings

            """, stdout);
    }

    [Fact]
    public void WarningsAloneExitZero()
    {
        var (exit, stdout, _) = Run("config", "check", Write("sys.yaml", ArmSystem()), Write("demo.yaml", ArmCell(cpus: "0")));
        Assert.Equal(0, exit);
        Assert.Contains("warning: cell.cpus: CPU 0 goes to a non-root cell", stdout);
        Assert.EndsWith("2 files checked: 0 errors, 1 warning\n", stdout);
    }

    [Fact]
    public void JsonOutputShape()
    {
        string demo = Write("demo.yaml", ArmCell(cpus: "4"));
        var (exit, stdout, _) = Run("config", "check", "--json", Write("sys.yaml", ArmSystem()), demo);
        Assert.Equal(1, exit);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal(["files", "errors", "warnings", "findings"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(2, root.GetProperty("files").GetArrayLength());
        Assert.Equal(1, root.GetProperty("errors").GetInt32());
        Assert.Equal(0, root.GetProperty("warnings").GetInt32());
        var finding = Assert.Single(root.GetProperty("findings").EnumerateArray().ToList());
        Assert.Equal(["severity", "rule", "file", "cell", "entry", "line", "column", "byteOffset", "message", "fix"],
            finding.EnumerateObject().Select(p => p.Name));
        Assert.Equal("error", finding.GetProperty("severity").GetString());
        Assert.Equal("cpu-not-in-root", finding.GetProperty("rule").GetString());
        Assert.Equal(demo, finding.GetProperty("file").GetString());
        Assert.Equal("demo", finding.GetProperty("cell").GetString());
        Assert.Equal("cell.cpus", finding.GetProperty("entry").GetString());
        Assert.Equal(4, finding.GetProperty("line").GetInt32());
        Assert.Equal(9, finding.GetProperty("column").GetInt32());
        Assert.Equal(JsonValueKind.Null, finding.GetProperty("byteOffset").ValueKind);
        Assert.Equal("use CPUs the root cell has, or add them to the root cell", finding.GetProperty("fix").GetString());
    }

    [Fact]
    public void BinaryFindingsNameTheByteOffset()
    {
        // Trailing bytes: a warning at the first extra byte.
        string tail = WriteBytes("tail.cell", [.. File.ReadAllBytes(Reference("x86/tiny-demo.cell")), 1, 2, 3]);
        var (exit, stdout, _) = Run("config", "check", tail);
        Assert.Equal(0, exit);
        Assert.Contains($"{tail}: byte offset 0xe4: warning: (end of file): 3 bytes beyond the declared contents", stdout);

        // A non-zero padding byte (tiny-demo's cache region after header, CPU set, 2 memory regions).
        byte[] padded = File.ReadAllBytes(Reference("x86/tiny-demo.cell"));
        padded[BinaryLayout.CellDescSize + 8 + 2 * BinaryLayout.MemoryRegionSize + 9] = 0x5a; // the byte after the cache type
        (exit, stdout, _) = Run("config", "check", WriteBytes("padded.cell", padded));
        Assert.Equal(0, exit);
        Assert.Contains($"padded.cell: byte offset 0xd5: warning: (binary): non-zero cache region padding ignored", stdout);

        // caps_start beyond the cell's capabilities (pci-demo's one device after header, CPU set,
        // 3 memory regions and 3 PIO ranges): an error, and the rest of the file is still checked.
        byte[] caps = File.ReadAllBytes(Reference("x86/pci-demo.cell"));
        int capsStart = BinaryLayout.CellDescSize + 8 + 3 * BinaryLayout.MemoryRegionSize + 3 * BinaryLayout.PioRangeSize + BinaryLayout.PciCapsStart;
        BinaryPrimitives.WriteUInt16LittleEndian(caps.AsSpan(capsStart), 5);
        (exit, stdout, _) = Run("config", "check", WriteBytes("caps.cell", caps));
        Assert.Equal(1, exit);
        Assert.Contains($"caps.cell: byte offset 0x{capsStart:x}: error: cell.pci-devices[0]: PCI device 0: capabilities 5..5 are out of range: the cell has 1", stdout);

        // shmem_regions_start beyond the memory regions (ivshmem-demo: 7 regions, 2 PIO ranges).
        byte[] shmem = File.ReadAllBytes(Reference("x86/ivshmem-demo.cell"));
        int shmemStart = BinaryLayout.CellDescSize + 8 + 7 * BinaryLayout.MemoryRegionSize + 2 * BinaryLayout.PioRangeSize + BinaryLayout.PciShmemRegionsStart;
        BinaryPrimitives.WriteUInt32LittleEndian(shmem.AsSpan(shmemStart), 5);
        (exit, stdout, _) = Run("config", "check", WriteBytes("shmem.cell", shmem));
        Assert.Equal(1, exit);
        Assert.Contains($"shmem.cell: byte offset 0x{shmemStart:x}: error: cell.pci-devices[0]: PCI device 0: an ivshmem device with 3 peers needs memory regions 5..9, the cell has 7", stdout);
    }

    [Fact]
    public void RevisionMismatchIsAFinding()
    {
        byte[] old = File.ReadAllBytes(Reference("x86/tiny-demo.cell"));
        BinaryPrimitives.WriteUInt16LittleEndian(old.AsSpan(BinaryLayout.RevisionOffset), 13);
        string path = WriteBytes("old.cell", old);
        var (exit, stdout, _) = Run("config", "check", Reference("x86/qemu-x86.cell"), path);
        Assert.Equal(1, exit);
        Assert.Contains($"{path}: byte offset 0x6: error: revision: configuration format revision 13; this Jailhouse (and every other file checked with it) uses revision 14", stdout);
    }

    [Fact]
    public void ReservationFromTheCommandLineOrTheBoard()
    {
        string[] files = [Reference("x86/qemu-x86.cell"), Reference("x86/linux-x86-demo.cell")];
        Assert.Equal(0, Run(["config", "check", .. files, "--reserved", "0x3a000000+82M"]).Exit);
        var (exit, stdout, _) = Run(["config", "check", .. files, "--reserved", "0x3a000000+64M"]);
        Assert.Equal(1, exit);
        Assert.Contains("error: cell.memory[19]: 0x3a700000-0x3edfffff is outside the reservation 0x3a000000-0x3dffffff: Linux would use it as RAM", stdout);
        Assert.Equal(0, Run(["config", "check", .. files, "--board", Path.Combine(Paths.RepositoryRoot, "bsp/qemu-x86/board.yaml")]).Exit);
    }

    [Fact]
    public void UsageErrorsExitTwo()
    {
        Assert.Equal(2, Run("config", "check").Exit);
        var (exit, _, stderr) = Run("config", "check", Reference("x86/qemu-x86.cell"), "--reserved", "0x3a000000");
        Assert.Equal(2, exit);
        Assert.Contains("--reserved: expected ADDR+SIZE (e.g. 0x3a000000+82M), found \"0x3a000000\"", stderr);
    }

    [Fact]
    public void UnreadableInputExitsOneWithThePosition()
    {
        string bad = Write("bad.yaml", "arch: arm64\ncell:\n  name: x\n  cpus: 1\n  memory:\n    - { phys: 0, size: 12Q }\n");
        var (exit, _, stderr) = Run("config", "check", bad);
        Assert.Equal(1, exit);
        Assert.StartsWith($"{bad}:6:24: error: memory size:", stderr);
        var twoSystems = Run("config", "check", Reference("x86/qemu-x86.cell"), Reference("arm64/qemu-arm64.cell"));
        Assert.Equal(1, twoSystems.Exit);
        Assert.Contains("a second system configuration", twoSystems.Err);
    }

    public static TheoryData<string> Boards => new() { "hikey", "qemu-arm64", "qemu-x86" };

    [Theory]
    [MemberData(nameof(Boards))]
    public void ProjectConfigsPassWithoutErrors(string board)
    {
        string dir = Path.Combine(Paths.RepositoryRoot, "configs", board);
        string system = Path.Combine(dir, $"{board}.yaml");
        string boardYaml = Path.Combine(Paths.RepositoryRoot, "bsp", board, "board.yaml");
        // Files with a top-level system: key are further system configurations (qemu-arm64-gicv2), checked alone.
        static bool IsSystem(string file) => File.ReadLines(file).Any(l => l.StartsWith("system:", StringComparison.Ordinal));
        var others = Directory.GetFiles(dir, "*.yaml").Where(f => f != system).Order(StringComparer.Ordinal).ToList();
        var sets = others.Where(f => !IsSystem(f)).Select(c => new[] { system, c }).Prepend([system])
            .Concat(others.Where(IsSystem).Select(s => new[] { s }));
        foreach (string[] set in sets)
        {
            var (exit, stdout, stderr) = Run(["config", "check", .. set, "--board", boardYaml]);
            Assert.True(exit == 0, $"{string.Join(" ", set)}: {stdout}{stderr}");
            Assert.DoesNotContain(": error:", stdout);
            Assert.EndsWith(" 0 errors, 0 warnings\n", stdout);
        }
    }
}
