namespace Jailhouse.Fuzz;

/// <summary>How the fake driver behind a target command answers.</summary>
public enum DriverMode { Missing, Busy, Refusing, Accepting }

/// <summary>
/// One run of one command: its arguments ("{dir}" stands for the case's scratch folder), the input
/// files written there first and the outputs it may leave when it succeeds.
/// </summary>
public sealed record FuzzCase(string Command, string[] Args, Dictionary<string, byte[]> Inputs, string[] Outputs, DriverMode Driver = DriverMode.Missing);

/// <summary>Builds cases for every host command and the target commands from mutated seeds.</summary>
public sealed class CaseGenerator(Mutator m, Seeds seeds)
{
    private readonly Formats formats = new(m, seeds);

    private string Value(string good) => m.Chance(0.12) ? m.InterestingToken() : good;

    /// <summary>The output path: usually a fresh file, sometimes what a clumsy user types.</summary>
    private string Output(string name, string input) => m.Next(14) switch
    {
        0 => "",
        1 => "{dir}/newdir/",
        2 => "{dir}/missing/" + name,
        3 => "{dir}/" + input,
        4 => "{dir}",
        _ => "{dir}/" + name,
    };

    private (string Name, byte[] Bytes) Config()
    {
        if (m.Chance(0.5))
        {
            var (name, bytes) = m.Pick(seeds.Cells);
            return ("in.cell", m.Chance(0.9) ? formats.Cell(bytes) : bytes);
        }
        var (_, text) = m.Pick(seeds.Yaml);
        return ("in.yaml", Mutator.Utf8(m.Chance(0.9) ? formats.Yaml(text) : text));
    }

    public FuzzCase Next()
    {
        switch (m.Next(17))
        {
            case 0:
            {
                var (name, bytes) = Config();
                return new("config show", ["config", "show", "{dir}/" + name], new() { [name] = bytes }, []);
            }
            case 1:
            {
                var (name, bytes) = Config();
                string output = Output("out.yaml", name);
                return new("config decompile", ["config", "decompile", "{dir}/" + name, .. m.Chance(0.5) ? new[] { "-o", output } : []], new() { [name] = bytes }, ["out.yaml"]);
            }
            case 2:
            {
                var (_, text) = m.Pick(seeds.Yaml);
                return new("config compile", ["config", "compile", "{dir}/in.yaml", "-o", Output("out.cell", "in.yaml")],
                    new() { ["in.yaml"] = Mutator.Utf8(formats.Yaml(text)) }, ["out.cell"]);
            }
            case 3:
            {
                var (sys, sysBytes) = Config();
                var inputs = new Dictionary<string, byte[]> { ["sys-" + sys] = sysBytes };
                var args = new List<string> { "config", "check", "{dir}/sys-" + sys };
                for (int i = 0; i < m.Next(3); i++)
                {
                    var (cell, cellBytes) = Config();
                    inputs[$"cell{i}-{cell}"] = cellBytes;
                    args.Add($"{{dir}}/cell{i}-{cell}");
                }
                if (m.Chance(0.3))
                    args.Add("--json");
                if (m.Chance(0.2))
                    args.AddRange(["--reserved", Value("0x3a000000+82M")]);
                return new("config check", [.. args], inputs, []);
            }
            case 4:
                return new("dt show", ["dt", "show", "{dir}/in.dtb"], new() { ["in.dtb"] = formats.DeviceTree(m.Pick(seeds.DeviceTrees).Bytes) }, []);
            case 5:
            {
                var args = new List<string> { "dt", "edit", "{dir}/in.dtb", "-o", Output("out.dtb", "in.dtb") };
                if (m.Chance(0.6))
                    args.AddRange(["--reserve", Value("0x7c000000+64M")]);
                if (m.Chance(0.4))
                    args.AddRange(["--shrink-memory", Value("0x7c000000+64M")]);
                if (m.Chance(0.3))
                    args.AddRange(["--disable", Value("/pl011@9010000")]);
                if (m.Chance(0.3))
                    args.AddRange(["--bootargs", Value("console=ttyAMA0 mem=1G")]);
                if (m.Chance(0.3))
                    args.AddRange(["--stdout-path", Value("serial0:115200n8")]);
                return new("dt edit", [.. args], new() { ["in.dtb"] = formats.DeviceTree(m.Pick(seeds.DeviceTrees).Bytes) }, ["out.dtb"]);
            }
            case 6 or 7:
            {
                var args = new List<string> { "config", "create", "--dtb", "{dir}/in.dtb", "--mem-hv", Value("64M"), "--mem-inmates", Value("128M"), "-o", Output("root.yaml", "in.dtb") };
                if (m.Chance(0.2))
                    args.AddRange(["--ram", Value("0x40000000+1G")]);
                if (m.Chance(0.1))
                    args.AddRange(["--arch", Value("arm")]);
                return new("config create --dtb", [.. args], new() { ["in.dtb"] = formats.DeviceTree(m.Pick(seeds.DeviceTrees).Bytes) }, ["root.yaml"]);
            }
            case 8 or 9:
            {
                var args = new List<string> { "config", "create", "--snapshot", "{dir}/in.tar" };
                if (m.Chance(0.2))
                    args.AddRange(["--mem-hv", Value("6M")]);
                if (m.Chance(0.1))
                    args.AddRange(["--console", Value("ttyS1")]);
                if (m.Chance(0.7))
                    args.AddRange(["-o", Output("root.yaml", "in.tar")]);
                return new("config create --snapshot", [.. args], new() { ["in.tar"] = formats.Snapshot(m.Pick(seeds.Snapshots).Bytes) }, ["root.yaml"]);
            }
            case 10 or 11:
            {
                var inputs = new Dictionary<string, byte[]> { ["console.log"] = Mutator.Utf8(formats.Log(m.Pick(seeds.Logs).Text)) };
                var args = new List<string> { "diagnose", "{dir}/console.log" };
                if (m.Chance(0.5))
                {
                    inputs["in.tar"] = m.Chance(0.7) ? m.Pick(seeds.Snapshots).Bytes : formats.Snapshot(m.Pick(seeds.Snapshots).Bytes);
                    args.AddRange(["--snapshot", "{dir}/in.tar"]);
                }
                if (m.Chance(0.3))
                {
                    var (name, bytes) = Config();
                    inputs[name] = bytes;
                    args.AddRange(["--config", "{dir}/" + name]);
                }
                return new("diagnose", [.. args], inputs, []);
            }
            case 12:
            {
                var inputs = new Dictionary<string, byte[]> { ["board.yaml"] = Mutator.Utf8(formats.Board(m.Pick(seeds.Boards).Text)) };
                var args = new List<string> { "boot", "plan", "--board", "{dir}/board.yaml" };
                if (m.Chance(0.3))
                {
                    var (name, bytes) = Config();
                    inputs[name] = bytes;
                    args.AddRange(["--config", "{dir}/" + name]);
                }
                return new("boot plan", [.. args], inputs, []);
            }
            case 13:
                return new("boot cmdline", ["boot", "cmdline", "--board", "{dir}/board.yaml", "--for", Value(m.Pick(new[] { "raw", "grub-cfg", "default-grub", "u-boot", "extlinux" }))],
                    new() { ["board.yaml"] = Mutator.Utf8(formats.Board(m.Pick(seeds.Boards).Text)) }, []);
            case 14:
            {
                var (name, bytes) = Config();
                var args = new List<string> { "config", "cell", "--root", "{dir}/" + name, "--name", Value("fuzz"), "--cpus", Value("1"), "--mem", Value("16M"), "-o", Output("cell.yaml", name) };
                if (m.Chance(0.3))
                    args.AddRange(["--console", Value("pl011@0x9010000")]);
                if (m.Chance(0.2))
                    args.AddRange(["--mmio", Value("0x9010000+4K")]);
                return new("config cell", [.. args], new() { [name] = bytes }, ["cell.yaml"]);
            }
            default:
                return Target();
        }
    }

    /// <summary>The target commands: mutated cells, images, names and ids against a driver that is missing, busy, refusing or accepting.</summary>
    private FuzzCase Target()
    {
        var driver = (DriverMode)m.Next(4);
        var cell = m.Pick(seeds.Cells);
        byte[] cellBytes = m.Chance(0.7) ? formats.Cell(cell.Bytes) : cell.Bytes;
        string name = m.Chance(0.7) ? m.Pick(new[] { "inmate-demo", "1", "0", "99999999999", new string('n', 31), new string('n', 32) }) : m.InterestingToken();
        switch (m.Next(6))
        {
            case 0:
                return new("enable", ["enable", "{dir}/sys.cell"], new() { ["sys.cell"] = cellBytes }, [], driver);
            case 1:
                return new("cell create", ["cell", "create", "{dir}/cell.cell"], new() { ["cell.cell"] = cellBytes }, [], driver);
            case 2:
            {
                var image = new byte[m.Next(4096)];
                m.Random.NextBytes(image);
                var args = new List<string> { "cell", "load", name, "{dir}/image.bin" };
                if (m.Chance(0.5))
                    args.AddRange(["-a", Value("0x1000")]);
                if (m.Chance(0.3))
                    args.AddRange(["-s", Value("console=ttyAMA0"), "-a", Value("4096")]);
                if (m.Chance(0.1))
                    args.Add("{dir}/missing.bin");
                return new("cell load", [.. args], new() { ["image.bin"] = image }, [], driver);
            }
            case 3:
                return new("cell start", ["cell", "start", name], [], [], driver);
            case 4:
                return new("cell destroy", ["cell", "destroy", name], [], [], driver);
            default:
                return new("console", ["console"], [], [], driver);
        }
    }
}
