using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Jailhouse.Config.Model;
using Jailhouse.Tests.Hypervisor;
using HvCommRegion = Jailhouse.Hypervisor.CommRegion;
using HvHypercalls = Jailhouse.Hypervisor.Hypercalls;

namespace Jailhouse.Tests.Inmates;

/// <summary>
/// The inmate library keeps copies of facts whose home is elsewhere (it is compiled against its
/// own corelib, so it cannot reference them): the communication region's layout and codes
/// (hypervisor/CommRegion.cs), console types and flags (Jailhouse.Config), the debug-console
/// hypercall (hypervisor/Hypercalls.cs), and the region's address, shared with the assembly
/// (inmate.h) and the demo cells' configurations. Each copy is read from its source and compared.
/// </summary>
public sealed partial class InmateLayoutTests
{
    private static readonly string Library = Path.Combine(Paths.RepositoryRoot, "inmates", "lib");

    [GeneratedRegex(@"public const \w+ (?<name>\w+) = (?<value>0x[0-9a-fA-F]+|\d+);")]
    private static partial Regex Constant();

    private static Dictionary<string, ulong> Constants(string file)
    {
        var constants = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (Match match in Constant().Matches(File.ReadAllText(Path.Combine(Library, file))))
        {
            string value = match.Groups["value"].Value;
            constants[match.Groups["name"].Value] = value.StartsWith("0x", StringComparison.Ordinal)
                ? ulong.Parse(value[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
                : ulong.Parse(value, CultureInfo.InvariantCulture);
        }
        return constants;
    }

    private static ulong HypervisorConstant(Type type, string name) =>
        Convert.ToUInt64(type.GetField(name, BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue()
            ?? throw new InvalidOperationException($"{type.Name}.{name} does not exist"), CultureInfo.InvariantCulture);

    [Fact]
    public void CommRegionCopyMatchesTheHypervisors()
    {
        var inmate = Constants("CommRegion.cs");
        var copied = inmate.Keys.Where(name => name != "Base").ToList();
        Assert.True(copied.Count >= 15, string.Join(", ", copied));
        foreach (string name in copied)
            Assert.True(HypervisorConstant(typeof(HvCommRegion), name) == inmate[name], $"CommRegion.{name}: inmate {inmate[name]}, hypervisor {HypervisorConstant(typeof(HvCommRegion), name)}");
    }

    [Fact]
    public void ConsoleCopiesMatchTheConfigurationAndTheHypercall()
    {
        var inmate = Constants("Console.cs");
        Assert.Equal((ulong)ConsoleType.Uart8250, inmate["TypeUart8250"]);
        Assert.Equal((ulong)ConsoleType.Pl011, inmate["TypePl011"]);
        Assert.Equal((ulong)ConsoleFlags.RegDist4, inmate["FlagRegDist4"]);
        Assert.Equal(HvHypercalls.DebugConsolePutc, inmate["HypercallDebugConsolePutc"]);
    }

    [Theory]
    [InlineData("configs/qemu-arm64/qemu-arm64-inmate-demo.yaml")]
    [InlineData("configs/hikey/hikey-inmate-demo.yaml")]
    public void CommRegionAddressIsTheAssemblysAndTheDemoCellsOne(string cellConfig)
    {
        ulong inmateBase = Constants("CommRegion.cs")["Base"];
        string header = File.ReadAllText(Path.Combine(Library, "arch", "arm64", "inmate.h"));
        var define = Regex.Match(header, @"#define COMM_REGION_BASE\s+0x(?<value>[0-9a-fA-F]+)");
        Assert.True(define.Success, "inmate.h defines COMM_REGION_BASE");
        Assert.Equal(inmateBase, ulong.Parse(define.Groups["value"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture));

        var cell = HypervisorTestMemory.LoadYaml(cellConfig);
        var comm = Assert.Single(cell.Cell.MemoryRegions, r => r.Flags.HasFlag(MemoryFlags.CommRegion));
        Assert.Equal(inmateBase, comm.VirtStart);
        var ram = Assert.Single(cell.Cell.MemoryRegions, r => r.Flags.HasFlag(MemoryFlags.Loadable));
        Assert.Equal(0UL, ram.VirtStart);
        Assert.Equal(0UL, cell.Cell.CpuResetAddress);
    }
}
