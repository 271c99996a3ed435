using System.Formats.Tar;
using Jailhouse.Cli;
using Jailhouse.Config.Check;
using Jailhouse.Config.Model;
using Jailhouse.Config.Yaml;
using Jailhouse.DeviceTree;
using Jailhouse.Driver;
using Jailhouse.Fuzz;
using Jailhouse.Generate.Snapshot;

namespace Jailhouse.Tests;

/// <summary>
/// One regression test per class of bad input the fuzzer found (issue 15): each is refused with
/// "WHERE: error: WHAT" and exit 1 (input) or 2 (usage), never a stack trace, and leaves nothing behind.
/// </summary>
[Collection("console")]
public sealed class HostileInputTests : TempDirectoryTest
{
    private string Write(string name, string text)
    {
        string path = Path.Combine(temp, name);
        File.WriteAllText(path, text);
        return path;
    }

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(temp, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static string Reference(string name) => Path.Combine(Paths.ReferenceCells, name);

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var result = CliTests.RunCli(args);
        Assert.DoesNotContain("   at ", result.Err);
        Assert.DoesNotContain("Exception", result.Err);
        return result;
    }

    private void AssertOnlyInputsLeft(params string[] inputs) =>
        Assert.Equal(inputs.Select(Path.GetFileName).Order(StringComparer.Ordinal),
            Directory.EnumerateFileSystemEntries(temp).Select(Path.GetFileName).Order(StringComparer.Ordinal));

    [Theory]
    [InlineData("arch: arm64\ncell: {\n- a\n")]
    [InlineData("arch: arm64\ncell: [\n- a\n")]
    [InlineData("{\n- \n")]
    [InlineData("[- ")]
    [InlineData("a: {b: [c, {d: \n- e\n")]
    public void AnOpenFlowCollectionIsASyntaxErrorInConfigurationsAndBoardFiles(string yaml)
    {
        string config = Write("open.yaml", yaml);
        var show = Run("config", "show", config);
        Assert.Equal(1, show.Exit);
        Assert.Matches($@"^{System.Text.RegularExpressions.Regex.Escape(config)}:\d+:\d+: error: YAML syntax: ", show.Err);
        string board = Write("board.yaml", yaml);
        var cmdline = Run("boot", "cmdline", "--board", board);
        Assert.Equal(1, cmdline.Exit);
        Assert.StartsWith($"{board}:", cmdline.Err);
    }

    [Fact]
    public void AnchorsAliasesAndMergeKeysAreRefusedEverywhere()
    {
        // Aliases as mapping keys expand exponentially: this 500-byte file used to run for minutes.
        string bomb = "a: &a [x, x, x, x]\n" + string.Concat(Enumerable.Range(0, 16).Select(i => $"{(char)('b' + i)}: &{(char)('b' + i)} {{ *{(char)('a' + i)} : *{(char)('a' + i)} }}\n"));
        var result = Run("config", "show", Write("bomb.yaml", bomb));
        Assert.Equal(1, result.Exit);
        Assert.Contains("bomb.yaml:1:4: error: YAML anchors (&a) are not supported", result.Err);
        result = Run("boot", "plan", "--board", Write("alias.yaml", "name: x\narch: *a\n"));
        Assert.Equal(1, result.Exit);
        Assert.Contains("alias.yaml:2:7: error: YAML aliases (*a) are not supported", result.Err);
        result = Run("config", "compile", Write("merge.yaml", "arch: arm64\ncell:\n  <<: { name: x }\n"), "-o", Path.Combine(temp, "out.cell"));
        Assert.Equal(1, result.Exit);
        Assert.Contains("merge.yaml:3:3: error: YAML merge keys (<<) are not supported", result.Err);
        result = Run("config", "show", Write("deep.yaml", "a: " + new string('[', 100_000)));
        Assert.Equal(1, result.Exit);
        Assert.Contains($"deep.yaml:1:{3 + YamlGuard.MaxDepth}: error: YAML nested deeper than 64 levels", result.Err);
        AssertOnlyInputsLeft("bomb.yaml", "alias.yaml", "merge.yaml", "deep.yaml");
    }

    [Theory]
    [InlineData("dt", "show")]
    [InlineData("dt", "edit")]
    [InlineData("config", "create")]
    public void ADeeplyNestedDeviceTreeIsRefusedAtTheNodesOffset(string group, string command)
    {
        string dtb = Write("deep.dtb", Formats.DeepTree(25_000));
        string[] args = (group, command) switch
        {
            ("dt", "show") => ["dt", "show", dtb],
            ("dt", "edit") => ["dt", "edit", dtb, "--bootargs", "x", "-o", Path.Combine(temp, "out.dtb")],
            _ => ["config", "create", "--dtb", dtb, "--mem-hv", "64M", "--mem-inmates", "0", "-o", Path.Combine(temp, "out.yaml")],
        };
        var result = Run(args);
        Assert.Equal(1, result.Exit);
        // The root is at 0x38, each level 8 bytes further: level 65 starts at 0x38 + 64 * 8.
        Assert.StartsWith($"{dtb}: byte offset 0x{0x38 + 64 * 8:x}: error: node /n/n/", result.Err);
        Assert.Contains("is nested 65 levels deep; at most 64 are supported", result.Err);
        AssertOnlyInputsLeft("deep.dtb");
    }

    [Fact]
    public void DeviceTreeContentErrorsNameTheNodesByteOffset()
    {
        var fdt = Seeds.VirtTree(3);
        var gic = fdt.Find("/intc@8000000")!;
        gic.SetCells("reg", 0, 0x08000000, 0, 0x10000);
        string dtb = Write("virt.dtb", FdtWriter.Write(fdt));
        long offset = FdtReader.ReadFile(dtb).Find("/intc@8000000")!.Offset;
        var result = Run("config", "create", "--dtb", dtb, "--mem-hv", "64M", "--mem-inmates", "0", "-o", Path.Combine(temp, "root.yaml"));
        Assert.Equal(1, result.Exit);
        Assert.Equal($"{dtb}: byte offset 0x{offset:x}: error: /intc@8000000: a GICv3 needs reg entries for GICD and GICR, found 1\n", result.Err);

        // A property of the wrong length is refused at the property, not with an exception.
        gic.SetCells("reg", 0, 0x08000000, 0, 0x10000, 0, 0x080a0000, 0, 0xf60000);
        fdt.Root.Set("#address-cells", [0, 2]);
        File.WriteAllBytes(dtb, FdtWriter.Write(fdt));
        result = Run("config", "create", "--dtb", dtb, "--mem-hv", "64M", "--mem-inmates", "0", "-o", Path.Combine(temp, "root.yaml"));
        Assert.Equal(1, result.Exit);
        Assert.Matches($@"^{System.Text.RegularExpressions.Regex.Escape(dtb)}: byte offset 0x[0-9a-f]+: error: property #address-cells: expected one 32-bit cell \(4 bytes\), found 2 bytes", result.Err);
        AssertOnlyInputsLeft("virt.dtb");
    }

    [Theory]
    [InlineData(0x7fffffffu)]
    [InlineData(0xfffffff0u)]
    public void APropertyLengthNearTheIntegerLimitIsRefusedAtItsToken(uint length)
    {
        byte[] blob = FdtWriter.Write(Seeds.VirtTree(3));
        // The first property follows the root's FDT_BEGIN_NODE and empty name: its length is at 0x50 + 4.
        int structure = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(blob.AsSpan(8));
        Assert.Equal(3u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(blob.AsSpan(structure + 8)));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(blob.AsSpan(structure + 12), length);
        string dtb = Write("long.dtb", blob);
        var result = Run("dt", "show", dtb);
        Assert.Equal(1, result.Exit);
        Assert.Equal($"{dtb}: byte offset 0x{structure + 8:x}: error: property value of {(int)length} bytes runs past the structure block\n", result.Err);
    }

    [Fact]
    public void AReservationBlockOutsideTheBlobIsRefused()
    {
        byte[] blob = FdtWriter.Write(Seeds.VirtTree(2));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(blob.AsSpan(16), 0xfffffff0);
        string dtb = Write("reservations.dtb", blob);
        var result = Run("dt", "show", dtb);
        Assert.Equal(1, result.Exit);
        Assert.Equal($"{dtb}: byte offset 0x10: error: the memory reservation block (0xfffffff0, 0 bytes) lies outside the blob's {blob.Length} bytes\n", result.Err);
    }

    [Fact]
    public void EndlessInputIsRefusedWithItsSize()
    {
        var show = Run("config", "show", "/dev/zero");
        Assert.Equal((1, "/dev/zero: error: the file has more than 16777216 bytes, over the configuration limit of 16 MiB\n"), (show.Exit, show.Err));
        var dt = Run("dt", "show", "/dev/zero");
        Assert.Equal((1, "/dev/zero: error: the file has more than 16777216 bytes, over the device tree limit of 16 MiB\n"), (dt.Exit, dt.Err));
        var diagnose = Run("diagnose", "/dev/zero");
        Assert.Equal((1, "/dev/zero: error: the file has more than 67108864 bytes, over the console log limit of 64 MiB\n"), (diagnose.Exit, diagnose.Err));
        string big = Path.Combine(temp, "big.yaml");
        using (var file = File.Create(big))
            file.SetLength(InputLimit.BoardDescription.Bytes + 1);
        var board = Run("boot", "cmdline", "--board", big);
        Assert.Equal((1, $"{big}: error: the file has {InputLimit.BoardDescription.Bytes + 1} bytes, over the board description limit of 1 MiB\n"), (board.Exit, board.Err));
    }

    [Fact]
    public void FileAccessErrorsHaveOneFormat()
    {
        string missing = Path.Combine(temp, "missing");
        string expected = $"{missing}: error: cannot read the file: no such file or directory\n";
        Assert.Equal((1, expected), (Run("config", "show", missing).Exit, Run("config", "show", missing).Err));
        Assert.Equal(expected, Run("boot", "cmdline", "--board", missing).Err);
        Assert.Equal(expected, Run("dt", "show", missing).Err);
        Assert.Equal(expected, Run("diagnose", missing).Err);
        Assert.Equal(expected, Run("config", "create", "--snapshot", missing).Err);
        Assert.Equal(expected, Run("config", "check", missing).Err);
        Assert.Equal($"{temp}: error: cannot read the file: it is a directory\n", Run("config", "show", temp).Err);
    }

    [Theory]
    [InlineData("config", "create", "--snapshot", "SNAPSHOT", "--mem-hv", "6Q", "--mem-hv")]
    [InlineData("config", "cell", "--root", "ROOT", "--name", "x", "--cpus", "1", "--mem", "16Q", "--mem")]
    [InlineData("config", "cell", "--root", "ROOT", "--name", "x", "--cpus", "1-", "--mem", "16M", "--cpus")]
    [InlineData("boot", "cmdline", "--board", "BOARD", "--for", "lilo", "--for")]
    public void AMalformedOptionValueIsAUsageError(params string[] args)
    {
        string option = args[^1];
        string snapshot = Write("machine.tar", new SystemSnapshot("m", new Dictionary<string, byte[]> { ["proc/cmdline"] = "x"u8.ToArray() }).ToTar());
        string[] command = args[..^1].Select(a => a switch
        {
            "SNAPSHOT" => snapshot,
            "ROOT" => Reference("arm64/qemu-arm64.cell"),
            "BOARD" => Path.Combine(Paths.RepositoryRoot, "bsp", "qemu-arm64", "board.yaml"),
            _ => a,
        }).Concat(args[0] == "boot" ? [] : new[] { "-o", Path.Combine(temp, "out.yaml") }).ToArray();
        var result = Run(command);
        Assert.Equal(2, result.Exit);
        Assert.StartsWith($"jailhouse: error: {option}: ", result.Err);
        Assert.Contains("--help", result.Err);
        AssertOnlyInputsLeft("machine.tar");
    }

    [Fact]
    public void OutputPathsAreCheckedBeforeAnyWork()
    {
        string cell = Reference("x86/tiny-demo.cell");
        var empty = Run("config", "decompile", cell, "-o", "");
        Assert.Equal((2, "jailhouse: error: --output: an empty path: name the file to write"), (empty.Exit, empty.Err.Split('\n')[0]));
        var directory = Run("config", "decompile", cell, "-o", Path.Combine(temp, "newdir") + "/");
        Assert.Equal(2, directory.Exit);
        Assert.Contains("newdir/ names a directory", directory.Err);
        var missing = Run("config", "decompile", cell, "-o", Path.Combine(temp, "missing", "out.yaml"));
        Assert.Equal(2, missing.Exit);
        Assert.Contains($"the directory {Path.Combine(temp, "missing")} does not exist (it is not created)", missing.Err);
        Assert.Equal(2, Run("dt", "edit", cell, "-o", temp).Exit);
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp));

        // Input and output the same file: refused before the input is read, so it stays as it was.
        string yaml = Path.Combine(temp, "same.yaml");
        Assert.Equal(0, Run("config", "decompile", cell, "-o", yaml).Exit);
        byte[] before = File.ReadAllBytes(yaml);
        var same = Run("config", "compile", yaml, "-o", yaml);
        Assert.Equal(2, same.Exit);
        Assert.Contains($"--output: {yaml} is also an input of the command", same.Err);
        File.CreateSymbolicLink(Path.Combine(temp, "link.yaml"), yaml);
        Assert.Equal(2, Run("config", "compile", Path.Combine(temp, "link.yaml"), "-o", yaml).Exit);
        Assert.Equal(before, File.ReadAllBytes(yaml));
    }

    [Theory]
    [InlineData(TarEntryType.SymbolicLink, "a symbolic link to \"/proc/self/mounts\"")]
    [InlineData(TarEntryType.HardLink, "a hard link to \"/proc/self/mounts\"")]
    [InlineData(TarEntryType.Fifo, "a FIFO")]
    public void SnapshotEntriesThatAreNotFilesAreNamed(TarEntryType type, string what)
    {
        using var buffer = new MemoryStream();
        using (var tar = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "proc/cmdline") { DataStream = new MemoryStream("memmap=66M$0x3b000000\n"u8.ToArray()) });
            var entry = new PaxTarEntry(type, "proc/iomem");
            if (type is TarEntryType.SymbolicLink or TarEntryType.HardLink)
                entry.LinkName = "/proc/self/mounts";
            tar.WriteEntry(entry);
        }
        string path = Write("machine.tar", buffer.ToArray());
        var result = Run("config", "create", "--snapshot", path);
        Assert.Equal(1, result.Exit);
        Assert.Matches($@"^{System.Text.RegularExpressions.Regex.Escape(path)}: byte offset 0x[0-9a-f]+: error: entry ""proc/iomem"" is {System.Text.RegularExpressions.Regex.Escape(what)}: a snapshot holds regular files only", result.Err);
    }

    [Fact]
    public void AnIomemLineWithoutARangeIsRefusedAtItsLine()
    {
        var snapshot = new SystemSnapshot("m", new Dictionary<string, byte[]>
        {
            ["proc/iomem"] = "00000000-00000fff : Reserved\n   : System RAM\n"u8.ToArray(),
            ["proc/cmdline"] = "memmap=66M$0x3b000000\n"u8.ToArray(),
        });
        string tar = Write("machine.tar", snapshot.ToTar());
        var result = Run("config", "create", "--snapshot", tar);
        Assert.Equal(1, result.Exit);
        Assert.Equal($"{tar}:/proc/iomem:2:4: error: expected \"START-END : NAME\", found \": System RAM\"\n", result.Err);
    }

    [Fact]
    public void OverlapSweepFindsWhatComparingEveryPairFinds()
    {
        var random = new Random(15);
        for (int round = 0; round < 200; round++)
        {
            var ranges = Enumerable.Range(0, random.Next(1, 40)).Select(_ => (
                Start: random.Next(4) == 0 ? ulong.MaxValue - (ulong)random.Next(0x4000) : (ulong)random.Next(0x40) << 10,
                Size: random.Next(5) == 0 ? 0UL : (ulong)random.Next(1, 0x20) << 10,
                Group: random.Next(2))).ToList();
            foreach (bool cross in new[] { false, true })
            {
                var expected = new List<(int, int)>();
                for (int j = 0; j < ranges.Count; j++)
                    for (int i = 0; i < j; i++)
                        if ((!cross || ranges[i].Group != ranges[j].Group) && Overlaps(ranges[i], ranges[j]))
                            expected.Add((i, j));
                Assert.Equal(expected, OverlapSweep.Pairs(ranges, cross, out _));
            }
        }

        static bool Overlaps((ulong Start, ulong Size, int) a, (ulong Start, ulong Size, int) b) =>
            a.Size > 0 && b.Size > 0 && (a.Start - b.Start < b.Size || b.Start - a.Start < a.Size);
    }

    [Fact]
    public void ACheckOfManyOverlappingRegionsListsABoundedNumber()
    {
        var config = new JailhouseConfig { Architecture = Architecture.Arm64, Cell = new CellConfig { Name = "many", Cpus = [1] } };
        for (int i = 0; i < 30_000; i++)
            config.Cell.MemoryRegions.Add(new MemoryRegion { PhysStart = 0x80000000, VirtStart = (ulong)i << 12, Size = 0x1000, Flags = MemoryFlags.Read });
        var report = ConfigChecker.Check([new CheckInput("many.yaml", config)], new CheckOptions());
        var overlaps = report.Findings.Where(f => f.Rule == "memory-overlap").ToList();
        Assert.Equal(10_001, overlaps.Count);
        Assert.Contains("at least 10000 overlapping pairs of regions", overlaps[^1].Message);
        Assert.Equal("cell.memory[1]", overlaps[0].Entry);
    }

    [Fact]
    public void TargetCommandsAgainstABusyOrRefusingDriverSaySoWithExitOne()
    {
        var saved = (TargetCommands.OpenDriver, TargetCommands.Sysfs);
        try
        {
            string cell = Reference("arm64/qemu-arm64-inmate-demo.cell");
            TargetCommands.OpenDriver = () => throw new JailhouseDeviceException("JAILHOUSE_CELL_CREATE", LinuxErrno.EBUSY);
            var busy = Run("cell", "create", cell);
            Assert.Equal(1, busy.Exit);
            Assert.StartsWith("jailhouse cell create: JAILHOUSE_CELL_CREATE: Device or resource busy (EBUSY)", busy.Err);
            TargetCommands.OpenDriver = () => throw new JailhouseDeviceException("JAILHOUSE_ENABLE", LinuxErrno.EINVAL);
            var refused = Run("enable", Reference("arm64/qemu-arm64.cell"));
            Assert.Equal(1, refused.Exit);
            Assert.Contains("the configuration or the hypervisor image was rejected", refused.Err);
            var badId = Run("cell", "start", "99999999999");
            Assert.Equal(2, badId.Exit);
            Assert.StartsWith("jailhouse: error: NAME|ID: ", badId.Err);
            TargetCommands.Sysfs = () => new SysfsTree(Path.Combine(temp, "none"));
            var console = Run("console");
            Assert.Equal(1, console.Exit);
            Assert.Contains("the jailhouse module is not loaded", console.Err);
            var truncated = Write("short.cell", File.ReadAllBytes(cell)[..3]);
            Assert.Equal(1, Run("cell", "create", truncated).Exit);
        }
        finally
        {
            (TargetCommands.OpenDriver, TargetCommands.Sysfs) = saved;
        }
    }
}
