using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using Jailhouse.Boot;
using Jailhouse.Config;
using Jailhouse.Config.Check;
using Jailhouse.Config.Map;

namespace Jailhouse.Tests.Map;

/// <summary>
/// `jailhouse config map`: the map model of real configurations (lanes, kinds, CPUs, pins, PCI
/// devices, findings at their ranges), the scale, the SVG/HTML/JSON writers and the command line.
/// </summary>
[Collection("console")]
public sealed class ConfigMapTests : TempDirectoryTest
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    internal static string Project(string path) => Path.Combine(Paths.RepositoryRoot, path);

    internal static string QemuArm64Board => Project("bsp/qemu-arm64/board.yaml");

    /// <summary>The board as `config map --board` reads it (the CLI builds the same from the board plan).</summary>
    internal static (CheckOptions Options, ReservationPlan Plan) Board(string boardYaml)
    {
        var description = BoardDescriptionReader.ReadFile(boardYaml);
        var plan = ReservationPlanner.Plan(description);
        return (new CheckOptions { Reservation = (plan.Start, plan.Size), RamBanks = description.RamBanks }, plan);
    }

    private static XDocument SvgOf(SystemMap map) => XDocument.Parse(System.Text.Encoding.UTF8.GetString(MapSvgWriter.Write(map)));

    private static List<string> LaneTitles(XContainer svg) =>
        svg.Descendants(Svg + "text").Where(t => (string?)t.Attribute("class") == "lane-title").Select(t => t.Value).ToList();

    private static string? Class(XElement e) => (string?)e.Attribute("class");

    private static double Number(XElement e, string attribute) => double.Parse((string)e.Attribute(attribute)!, CultureInfo.InvariantCulture);

    [Fact]
    public void QemuArm64WithTheInmateDemo()
    {
        string system = Project("configs/qemu-arm64/qemu-arm64.yaml");
        string demo = Project("configs/qemu-arm64/qemu-arm64-inmate-demo.yaml");
        var (_, plan) = Board(QemuArm64Board);
        var (_, stdout, stderr) = CliTests.RunCli("config", "map", system, demo, "--board", QemuArm64Board, "--json");
        Assert.Empty(stderr);
        var map = JsonSerializer.Deserialize<JsonElement>(stdout);

        // The lanes: the root cell, then the cell, with their files by name only.
        var cells = map.GetProperty("cells").EnumerateArray().ToList();
        Assert.Equal(["qemu-arm64", "inmate-demo"], cells.Select(c => c.GetProperty("name").GetString()));
        Assert.Equal(["qemu-arm64.yaml", "qemu-arm64-inmate-demo.yaml"], cells.Select(c => c.GetProperty("file").GetString()));

        // What the configurations say, read from the model, not repeated here.
        var demoConfig = ConfigFiles.Load(demo, out _).Cell;
        var rootConfig = ConfigFiles.Load(system, out _);
        var cell = cells[1];
        Assert.Equal(demoConfig.Cpus, cell.GetProperty("cpus").EnumerateArray().Select(c => c.GetInt32()));
        Assert.Equal(rootConfig.Cell.Cpus.Max + 1, map.GetProperty("cpuCount").GetInt32());
        var chip = Assert.Single(cell.GetProperty("irqchips").EnumerateArray().ToList());
        Assert.Equal(demoConfig.Irqchips[0].Address, chip.GetProperty("address").GetUInt64());
        Assert.Equal(demoConfig.Irqchips[0].Pins().Count(), chip.GetProperty("count").GetInt32());
        var device = Assert.Single(cell.GetProperty("pciDevices").EnumerateArray().ToList());
        Assert.Equal("0001:00:00.0", device.GetProperty("bdf").GetString());
        Assert.Equal("ivshmem", device.GetProperty("type").GetString());

        // Every region with a size, coloured by what it is.
        var regions = cell.GetProperty("regions").EnumerateArray().ToDictionary(r => r.GetProperty("label").GetString()!);
        Assert.Equal(demoConfig.MemoryRegions.Where(r => r.Size > 0).Select(r => r.Name), regions.Keys);
        Assert.Equal("io", regions["uart"].GetProperty("kind").GetString());
        Assert.Equal("loadable", regions["ram"].GetProperty("kind").GetString());
        Assert.Equal("comm-region", regions["comm"].GetProperty("kind").GetString());
        Assert.All(regions.Where(r => r.Key.StartsWith("ivshmem-demo-", StringComparison.Ordinal)),
            r => Assert.Equal("ivshmem", r.Value.GetProperty("kind").GetString()));
        var ram = demoConfig.MemoryRegions.Single(r => r.Name == "ram");
        Assert.Equal(ram.PhysStart, regions["ram"].GetProperty("start").GetUInt64());
        Assert.Equal(ram.VirtStart, regions["ram"].GetProperty("virt").GetUInt64());
        var rootRegions = cells[0].GetProperty("regions").EnumerateArray().ToDictionary(r => r.GetProperty("label").GetString()!);
        Assert.Equal("ram", rootRegions["ram"].GetProperty("kind").GetString());
        Assert.Equal("io", rootRegions["mmio"].GetProperty("kind").GetString());

        // The board: its RAM and the reservation of its plan; the hypervisor's memory from the configuration.
        var board = map.GetProperty("board");
        Assert.Equal(plan.Start, board.GetProperty("reservation").GetProperty("start").GetUInt64());
        Assert.Equal(plan.Size, board.GetProperty("reservation").GetProperty("size").GetUInt64());
        Assert.Equal("mem=768M", board.GetProperty("method").GetString());
        var hypervisor = map.GetProperty("hypervisor").EnumerateArray().First();
        Assert.Equal(rootConfig.System!.HypervisorMemory.PhysStart, hypervisor.GetProperty("start").GetUInt64());
        Assert.Contains(map.GetProperty("hypervisor").EnumerateArray(), a => a.GetProperty("name").GetString() == "GICD");
        Assert.Equal(0, map.GetProperty("findings").GetArrayLength());

        // The picture: one lane each for the board, the hypervisor and the two cells; every
        // region's exact range as hover text; the cell's CPU marked as its own.
        string output = Path.Combine(temp, "map.svg");
        Assert.Equal(0, CliTests.RunCli("config", "map", system, demo, "--board", QemuArm64Board, "-o", output).Exit);
        var svg = XDocument.Load(output);
        Assert.Equal(["board qemu-arm64", "hypervisor", "qemu-arm64", "inmate-demo"], LaneTitles(svg));
        var hover = svg.Descendants(Svg + "g").Where(g => Class(g)?.StartsWith("region", StringComparison.Ordinal) == true)
            .Select(g => g.Element(Svg + "title")!.Value).ToList();
        var placed = demoConfig.MemoryRegions.Where(r => r.Size > 0 && r.PhysStart != 0).ToList();
        Assert.NotEmpty(placed);
        foreach (var region in placed)
            Assert.Contains(hover, h => h.StartsWith($"{region.Name}\n{MapLayout.Span(region.PhysStart, region.Size)}", StringComparison.Ordinal));
        Assert.Contains(svg.Descendants(Svg + "text"), t => t.Value == "comm region at guest 0x80000000");
    }

    [Fact]
    public void JetsonTx2OverlapIsMarkedAtItsRange()
    {
        string file = Path.Combine(Paths.ReferenceCells, "arm64/jetson-tx2.cell");
        var map = SystemMapBuilder.FromFiles([file], new CheckOptions(), null);
        var expected = ConfigChecker.CheckFiles([file]).Findings;
        Assert.Equal(expected.Select(f => (f.Rule, f.Entry)), map.Findings.Select(f => (f.Rule, f.Entry)));

        // Upstream maps TIMER inside TOP_TKE (see ConfigCheckReferenceTests): region 13 in region 12.
        var overlap = Assert.Single(map.Findings);
        Assert.Equal("root-cell.memory[13]", overlap.Entry);
        var region = ConfigChecker.Load(file, out _)!.Config.Cell.MemoryRegions[13];
        Assert.Equal(("memory", 0, region.PhysStart, region.Size), (overlap.Target, overlap.Lane, overlap.Start, overlap.Size));

        // Drawn over that range in the cell's lane, numbered, with its message in the list.
        var layout = new MapLayout(map);
        var svg = SvgOf(map);
        Assert.Equal(["hypervisor", "Jetson-TX2"], LaneTitles(svg));
        var marker = Assert.Single(svg.Descendants(Svg + "g"), g => Class(g) == "finding finding-error");
        var hatch = marker.Element(Svg + "rect")!;
        var lane = layout.Lanes[1];
        Assert.Equal(Math.Round(layout.Scale.Y(region.PhysStart), 1), Number(hatch, "y"));
        Assert.Equal(Math.Round(layout.Scale.Y(region.PhysStart + region.Size) - layout.Scale.Y(region.PhysStart), 1), Number(hatch, "height"), 1);
        Assert.Equal(Math.Round(lane.X, 1), Number(hatch, "x"));
        Assert.Contains(overlap.Message, marker.Element(Svg + "title")!.Value);
        Assert.Contains(svg.Descendants(Svg + "text"), t => Class(t) == "finding" && overlap.Message.StartsWith(t.Value, StringComparison.Ordinal));
        // The two overlapping regions sit side by side, each in half the lane.
        var boxes = lane.Boxes.Where(b => b.Tooltip.StartsWith("RAM [12]\n", StringComparison.Ordinal) || b.Tooltip.StartsWith("RAM [13]\n", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, boxes.Count);
        Assert.All(boxes, b => Assert.Equal(lane.Width / 2, b.Width));
        Assert.NotEqual(boxes[0].X, boxes[1].X);
    }

    [Fact]
    public void Zcu102IommuFindingAndTheUnitTheHypervisorOwns()
    {
        string file = Path.Combine(Paths.ReferenceCells, "arm64/zynqmp-zcu102.cell");
        var map = SystemMapBuilder.FromFiles([file], new CheckOptions(), null);
        var finding = Assert.Single(map.Findings);
        Assert.Equal(("iommu-overlap", "root-cell.memory[8]", 0), (finding.Rule, finding.Entry, finding.Lane));
        var unit = Assert.Single(map.Hypervisor, a => a.Name.StartsWith("IOMMU", StringComparison.Ordinal));
        // The marked region contains the IOMMU's registers, which the hypervisor lane shows.
        Assert.True(finding.Start <= unit.Start && unit.Start + unit.Size <= finding.Start + finding.Size);
    }

    [Fact]
    public void AlternativeCellsAreCheckedOneAtATime()
    {
        // tiny-demo and pci-demo both run on CPU 2 from the same RAM: a conflict together,
        // none when each is only ever run with the system alone (how the Configs recipe checks).
        string[] files = ["qemu-x86.yaml", "tiny-demo.yaml", "pci-demo.yaml"];
        var paths = files.Select(f => Project("configs/qemu-x86/" + f)).ToList();
        var together = SystemMapBuilder.FromFiles(paths, new CheckOptions(), null);
        Assert.Contains(together.Findings, f => f.Rule == "cpu-conflict" && f.Cell == "pci-demo" && f.Target == "cpus");
        Assert.Contains(together.Findings, f => f.Rule == "memory-conflict" && f.Start is not null);
        // Messages name the other cell's file without its directory.
        Assert.All(together.Findings, f => Assert.DoesNotContain(Paths.RepositoryRoot, f.Message));
        var alternatives = SystemMapBuilder.FromFiles(paths, new CheckOptions(), null, alternatives: true);
        Assert.Empty(alternatives.Findings);
        Assert.Equal(together.Cells.Select(c => c.Name), alternatives.Cells.Select(c => c.Name));
    }

    [Fact]
    public void ScaleKeepsSmallRangesReadableAndCompressesGaps()
    {
        // A UART page, a RAM bank 1 GiB above it, a window beyond 4 GiB.
        (ulong, ulong)[] ranges = [(0x09000000, 0x1000), (0x40000000, 0x40000000), (0x7fc00000, 0x400000), (0x4010000000, 0x10000000)];
        var scale = new MapScale(ranges, 100);
        var cuts = ranges.SelectMany(r => new[] { r.Item1, r.Item1 + r.Item2 }).Distinct().Order().ToList();
        Assert.Equal(cuts.SkipLast(1), scale.Segments.Select(s => s.Start));
        Assert.Equal(cuts.Skip(1), scale.Segments.Select(s => s.End));
        Assert.Equal(100, scale.Top);
        foreach (var s in scale.Segments)
        {
            bool covered = ranges.Any(r => r.Item1 <= s.Start && s.End <= r.Item1 + r.Item2);
            Assert.Equal(!covered, s.IsGap);
            Assert.Equal(covered ? MapScale.HeightOf(s.Size) : MapScale.GapHeight, s.Height);
            Assert.InRange(s.Height, MapScale.MinimumHeight, MapScale.MaximumHeight);
            Assert.Equal(s.Top, scale.Y(s.Start));
        }
        // The 4 KiB page is as tall as one line; a 1 GiB bank is taller but not 2^18 times taller.
        Assert.Equal(MapScale.MinimumHeight, scale.Segments[0].Height);
        Assert.True(scale.Y(0x80000000) - scale.Y(0x40000000) > 4 * MapScale.MinimumHeight);
        Assert.True(scale.Bottom < 100 + 12 * MapScale.MaximumHeight);
        // Linear inside a piece, monotonic everywhere.
        Assert.Equal((scale.Y(0x40000000) + scale.Y(0x7fc00000)) / 2, scale.Y(0x5fe00000), 6);
        var ys = cuts.Select(scale.Y).ToList();
        Assert.Equal(ys.Order(), ys);
    }

    [Theory]
    [InlineData("svg")]
    [InlineData("html")]
    [InlineData("json")]
    public void SameInputsGiveTheSameBytesWhereverTheyLie(string format)
    {
        string[] names = ["qemu-arm64.yaml", "qemu-arm64-inmate-demo.yaml", "qemu-arm64-linux-demo.yaml"];
        string copy = Directory.CreateDirectory(Path.Combine(temp, "elsewhere", "deeper")).FullName;
        foreach (string name in names)
            File.Copy(Project("configs/qemu-arm64/" + name), Path.Combine(copy, name));
        string[] Args(string dir, string output) =>
            ["config", "map", .. names.Select(n => Path.Combine(dir, n)), "--board", QemuArm64Board, "-o", output];
        string first = Path.Combine(temp, "first." + format), second = Path.Combine(temp, "second." + format), third = Path.Combine(temp, "third." + format);
        Assert.Equal(0, CliTests.RunCli(Args(Project("configs/qemu-arm64"), first)).Exit);
        Assert.Equal(0, CliTests.RunCli(Args(Project("configs/qemu-arm64"), second)).Exit);
        Assert.Equal(0, CliTests.RunCli(Args(copy, third)).Exit);
        byte[] bytes = File.ReadAllBytes(first);
        Assert.True(bytes.Length > 1000);
        Assert.Equal(bytes, File.ReadAllBytes(second));
        Assert.Equal(bytes, File.ReadAllBytes(third));
        Assert.DoesNotContain(Paths.RepositoryRoot, System.Text.Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void HtmlIsOnePageWithTheSvgInlineAndNoScripts()
    {
        string output = Path.Combine(temp, "map.html");
        var (exit, _, stderr) = CliTests.RunCli("config", "map", Path.Combine(Paths.ReferenceCells, "arm64/k3-j721e-evm.cell"), "-o", output);
        Assert.Equal(0, exit);
        Assert.Empty(stderr);
        string html = File.ReadAllText(output);
        Assert.StartsWith("<!DOCTYPE html>\n<html lang=\"en\">", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", ""));
        Assert.DoesNotContain("https://", html);
        // The page is well-formed XML apart from the doctype, so it parses as a document too.
        var page = XDocument.Parse(html["<!DOCTYPE html>\n".Length..]);
        var svg = Assert.Single(page.Descendants(Svg + "svg"));
        Assert.Equal(["hypervisor", "k3-j721e-evm"], LaneTitles(svg));
        // k3-j721e: the GIC and the IOMMU units inside two big root regions (six findings).
        Assert.Equal(6, svg.Descendants(Svg + "g").Count(g => Class(g) == "finding finding-error"));
        Assert.Contains("Findings of config check: 6 errors, 0 warnings", html);
    }

    [Fact]
    public void UsageAndInputErrors()
    {
        string system = Project("configs/qemu-arm64/qemu-arm64.yaml");
        var (exit, _, stderr) = CliTests.RunCli("config", "map", system);
        Assert.Equal(2, exit);
        Assert.Contains("give -o FILE.svg|FILE.html|FILE.json, or --json", stderr);
        (exit, _, stderr) = CliTests.RunCli("config", "map", system, "-o", Path.Combine(temp, "map.png"));
        Assert.Equal(2, exit);
        Assert.Contains("the extension must be .svg, .html or .json", stderr);

        string broken = Path.Combine(temp, "broken.yaml");
        File.WriteAllText(broken, "arch: arm64\ncell:\n  name: x\n  cpus: 1\n  memory:\n    - { phys: 0x1000, size: 64Q }\n");
        string output = Path.Combine(temp, "map.svg");
        (exit, _, stderr) = CliTests.RunCli("config", "map", system, broken, "-o", output);
        Assert.Equal(1, exit);
        Assert.StartsWith($"{broken}:6:", stderr);
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFiles(temp, "*.tmp*"));
    }
}
