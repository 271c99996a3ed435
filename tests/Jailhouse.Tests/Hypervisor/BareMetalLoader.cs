using System.Buffers.Binary;
using System.Globalization;
using Jailhouse.Hypervisor;

namespace Jailhouse.Tests.Hypervisor;

/// <summary>
/// How bare-metal QEMU runs of the arm64 hypervisor are put together (HypervisorQemuTests, and
/// the benchmark's cell figures, which compile this file too): loader-arm64.S assembled with the
/// header offsets it needs and the test's symbols, the image placed as the driver would place it
/// (max_cpus and online_cpus filled in, the system configuration behind the per-CPU areas), and
/// for the cell runs the inmate-demo cell's configuration and the inmate where the loader finds them.
/// </summary>
internal static class BareMetalLoader
{
    public const ulong HypervisorBase = 0x7fc00000;
    /// <summary>The root cell's CPU set 0-15, as the driver derives max_cpus from it.</summary>
    public const uint MaxCpus = 16;
    public const ulong CellConfigAddress = 0x4800_0000;
    public const ulong InmateAddress = 0x4810_0000;
    public const ulong CellRam = 0x7fa0_0000;

    /// <summary>Assembles and links loader-arm64.S at 0x40000000 with <paramref name="symbols"/>
    /// ("NAME" or "NAME=VALUE"); returns the ELF's path, or throws with the tool's output.</summary>
    public static string Assemble(string repositoryRoot, string directory, string name, ulong hypervisorBase, IEnumerable<string> symbols)
    {
        string source = Path.Combine(repositoryRoot, "tests", "Jailhouse.Tests", "Hypervisor", "loader-arm64.S");
        string obj = Path.Combine(directory, name + ".o");
        string elf = Path.Combine(directory, name + ".elf");
        var arguments = new List<string>
        {
            "--defsym", $"HV_BASE=0x{hypervisorBase:x}",
            "--defsym", $"HEADER_ENTRY={HypervisorHeader.EntryOffset}",
            "--defsym", $"HEADER_CONSOLE_PAGE={HypervisorHeader.ConsolePageOffset}",
            "--defsym", $"HEADER_HYP_VECTORS={HypervisorHeader.ArmLinuxHypVectorsOffset}",
            "--defsym", $"HEADER_HYP_ABI={HypervisorHeader.ArmLinuxHypAbiOffset}",
        };
        foreach (string symbol in symbols)
            arguments.AddRange(["--defsym", symbol.Contains('=') ? symbol : symbol + "=1"]);
        Run("aarch64-linux-gnu-as", [.. arguments, "-o", obj, source]);
        Run("aarch64-linux-gnu-ld", "-Ttext=0x40000000", "-e", "_start", "-o", elf, obj);
        return elf;
    }

    /// <summary>The loader's symbols for a cell run (CPU 1 off, then create, load, start, destroy)
    /// on QEMU virt with GIC version <paramref name="gicVersion"/>.</summary>
    public static string[] CellTestSymbols(long inmateSize, int cycles, int gicVersion = 3) =>
    [
        "SECOND_CPU", "CELL_TEST", "GICD_BASE=0x08000000", gicVersion == 2 ? "GICV2" : "GICR_BASE=0x080a0000", $"CELL_CONFIG=0x{CellConfigAddress:x}",
        $"INMATE=0x{InmateAddress:x}", $"INMATE_SIZE={inmateSize.ToString(CultureInfo.InvariantCulture)}",
        $"CELL_RAM=0x{CellRam:x}", $"CYCLES={cycles.ToString(CultureInfo.InvariantCulture)}",
    ];

    /// <summary>QEMU's loader devices that put the cell configuration and the inmate where the loader expects them.</summary>
    public static string[] CellTestDevices(string cellConfig, string inmate) =>
    [
        "-device", $"loader,file={cellConfig},addr=0x{CellConfigAddress:x},force-raw=on",
        "-device", $"loader,file={inmate},addr=0x{InmateAddress:x},force-raw=on",
    ];

    /// <summary>The image with max_cpus and online_cpus set, as the driver fills them.</summary>
    public static byte[] Image(byte[] image, uint onlineCpus)
    {
        byte[] copy = (byte[])image.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(HypervisorHeader.MaxCpusOffset), MaxCpus);
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(HypervisorHeader.OnlineCpusOffset), onlineCpus);
        return copy;
    }

    /// <summary>Where the driver copies the system configuration: behind the core and the per-CPU areas.</summary>
    public static ulong ConfigAddress(ulong hypervisorBase, ulong coreSize, ulong perCpuSize) => hypervisorBase + coreSize + MaxCpus * perCpuSize;

    private static void Run(string program, params string[] arguments)
    {
        var result = ExternalTool.Run(program, arguments);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {result.ExitCode}:\n{result.Output}");
    }
}
