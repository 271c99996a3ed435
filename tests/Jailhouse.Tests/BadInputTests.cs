using System.Buffers.Binary;
using Jailhouse.Config.Binary;
using Jailhouse.Config.Yaml;

namespace Jailhouse.Tests;

/// <summary>Invalid inputs are refused with the position and what was expected.</summary>
public class BadInputTests
{
    private static byte[] Reference(string name) => File.ReadAllBytes(Path.Combine(Paths.ReferenceCells, name));

    private static string BinaryError(byte[] bytes) =>
        Assert.Throws<InputException>(() => ConfigBinaryReader.Read(bytes, "bad.cell", out _)).ToString();

    private static string YamlError(string yaml) =>
        Assert.Throws<InputException>(() => YamlConfigReader.Read(yaml, "bad.yaml")).ToString();

    // A small valid cell to mutate: each test changes one thing.
    private const string Cell = """
        arch: arm64
        cell:
          name: demo
          cpus: 1
          memory:
            - name: ram
              phys: 0x7fa00000
              virt: 0
              size: 64K
              flags: [read, write, execute, loadable]
        """;

    [Fact]
    public void ValidBaseCellCompiles()
    {
        var model = YamlConfigReader.Read(Cell, "good.yaml");
        Assert.Equal(132 + 8 + 32, ConfigBinaryWriter.Write(model).Length);
    }

    [Fact]
    public void TruncatedHeader()
    {
        byte[] bytes = Reference("arm64/qemu-arm64.cell")[..400];
        Assert.Equal("bad.cell: byte offset 0x190: error: file truncated: the system header with its root cell descriptor needs 488 bytes, file has 400",
            BinaryError(bytes));
    }

    [Fact]
    public void TruncatedArrays()
    {
        byte[] bytes = Reference("arm64/qemu-arm64.cell")[..900];
        // 12 memory regions (0x1f0..0x370) fit; the irqchip after them does not.
        Assert.Equal("bad.cell: byte offset 0x1a0: error: irqchip count 1 needs bytes 0x370..0x390, but the file ends at 0x384",
            BinaryError(bytes));
    }

    [Fact]
    public void WrongSignature()
    {
        byte[] bytes = Reference("x86/tiny-demo.cell");
        bytes[3] = (byte)'X';
        Assert.Equal("bad.cell: byte offset 0x0: error: expected signature \"JHSYS\" (system) or \"JHCLL\" (cell), found \"JHCXL\"",
            BinaryError(bytes));
    }

    [Fact]
    public void WrongRevision()
    {
        byte[] bytes = Reference("x86/tiny-demo.cell");
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(BinaryLayout.RevisionOffset), 13);
        Assert.Equal("bad.cell: byte offset 0x6: error: expected configuration revision 14, found 13", BinaryError(bytes));
    }

    [Fact]
    public void WrongArchitecture()
    {
        byte[] bytes = Reference("x86/tiny-demo.cell");
        bytes[BinaryLayout.ArchitectureOffset] = 7;
        Assert.Equal("bad.cell: byte offset 0x5: error: expected architecture 0 (x86), 1 (arm) or 2 (arm64), found 7", BinaryError(bytes));
    }

    [Fact]
    public void CountOverflow()
    {
        byte[] bytes = Reference("x86/tiny-demo.cell");
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(BinaryLayout.CellNumMemoryRegions), uint.MaxValue);
        Assert.Equal("bad.cell: byte offset 0x34: error: memory region count 4294967295 needs bytes 0x8c..0x200000006c, but the file ends at 0xe4",
            BinaryError(bytes));
    }

    [Fact]
    public void CapabilityIndexOutOfRange()
    {
        byte[] bytes = Reference("x86/pci-demo.cell");
        // The one PCI device sits after header, CPU set (8 bytes), 3 memory regions and 3 PIO ranges.
        int capsStart = BinaryLayout.CellDescSize + 8 + 3 * BinaryLayout.MemoryRegionSize + 3 * BinaryLayout.PioRangeSize + BinaryLayout.PciCapsStart;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(capsStart), 5);
        Assert.Equal($"bad.cell: byte offset 0x{capsStart:x}: error: PCI device 0: capabilities 5..5 are out of range: the cell has 1", BinaryError(bytes));
    }

    [Fact]
    public void TrailingBytesAreAWarning()
    {
        byte[] bytes = [.. Reference("x86/tiny-demo.cell"), 1, 2, 3];
        ConfigBinaryReader.Read(bytes, "bad.cell", out var warnings);
        var warning = Assert.Single(warnings);
        Assert.Equal("bad.cell: byte offset 0xe4: warning: 3 bytes beyond the declared contents (the header's counts end at 0xe4)", warning.ToString());
    }

    [Fact]
    public void UnknownFlag()
    {
        Assert.Equal("bad.yaml:10:28: error: memory flags: unknown memory flag \"exec\"; expected one of: read, write, execute, dma, io, comm-region, loadable, rootshared, no-hugepages, io-unaligned, io-8, io-16, io-32, io-64 (or a number)",
            YamlError(Cell.Replace("execute, loadable", "exec, loadable")));
    }

    [Fact]
    public void BadSizeUnit()
    {
        Assert.Equal("bad.yaml:9:13: error: memory size: expected a size: a number with an optional unit K, M, G or T (e.g. 64M, 4K, 0x4000000), found \"64Q\"",
            YamlError(Cell.Replace("64K", "64Q")));
    }

    [Fact]
    public void BadBdf()
    {
        string yaml = Cell + "\n  pci-devices:\n    - bdf: 00:20.0\n";
        Assert.Equal("bad.yaml:12:12: error: bdf: expected a PCI address BUS:DEVICE.FUNCTION like \"00:1f.2\" (hex, device 00-1f, function 0-7), optionally with a domain \"0001:00:1f.2\", found \"00:20.0\"",
            YamlError(yaml));
    }

    [Fact]
    public void DuplicateNames()
    {
        string yaml = Cell + "\n    - name: ram\n      phys: 0x7fb00000\n      size: 4K\n";
        Assert.Equal("bad.yaml:11:13: error: duplicate memory region name \"ram\" (first defined at line 6)", YamlError(yaml));
    }

    [Fact]
    public void MissingRequiredField()
    {
        Assert.Equal("bad.yaml:6:7: error: missing required field \"size\" in a memory region",
            YamlError(Cell.Replace("      size: 64K\n", "")));
    }

    [Fact]
    public void UnknownKey()
    {
        Assert.Equal("bad.yaml:5:3: error: unknown field \"cpu\" in cell; expected one of: name, id, flags, cpus, cpu-set-size, vpci-irq-base, cpu-reset-address, msg-reply-timeout, console, memory, cache-regions, irqchips, pio, pci-caps, pci-devices, stream-ids",
            YamlError(Cell.Replace("cpus: 1", "cpus: 1\n  cpu: 2")));
    }

    [Fact]
    public void UnknownCapabilityReference()
    {
        string yaml = Cell + "\n  pci-caps:\n    - { name: msi, id: msi, start: 0x50, length: 14 }\n  pci-devices:\n    - bdf: 00:1f.0\n      caps: [msix]\n";
        Assert.Equal("bad.yaml:15:14: error: unknown PCI capability \"msix\" (named ones: msi)", YamlError(yaml));
    }

    [Fact]
    public void CapabilitiesMustBeConsecutive()
    {
        string yaml = Cell + """

              pci-caps:
                - { name: a, id: msi, start: 0x50, length: 14 }
                - { name: b, id: exp, start: 0x70, length: 60 }
                - { name: c, id: pm, start: 0x40, length: 8 }
              pci-devices:
                - bdf: 00:1f.0
                  caps: [a, c]

            """;
        Assert.Equal("bad.yaml:17:13: error: caps: entries must follow each other in \"pci-caps\" in the order listed here (entry 2 is not the one after entry 1 there)",
            YamlError(yaml));
    }

    [Fact]
    public void IvshmemNeedsRegionPerPeer()
    {
        string yaml = Cell + """

              pci-devices:
                - type: ivshmem
                  bdf: 00:01.0
                  shmem: { regions: [ram], peers: 2 }

            """;
        Assert.Equal("bad.yaml:14:25: error: shmem regions: 2 peers need 4 regions (state table, read/write section, one output section per peer), found 1",
            YamlError(yaml));
    }

    [Fact]
    public void PinOutsideIrqchip()
    {
        string yaml = Cell + "\n  irqchips:\n    - { address: 0x8000000, pin-base: 32, pins: 20-40 }\n";
        Assert.Equal("bad.yaml:12:49: error: pin 20 is outside the irqchip's 128 pins 32..159 (set pin-base)", YamlError(yaml));
    }

    [Fact]
    public void NameTooLong()
    {
        Assert.Equal("bad.yaml:3:9: error: cell name \"a-cell-name-that-is-far-too-long-for-jailhouse\" is longer than 31 bytes",
            YamlError(Cell.Replace("name: demo", "name: a-cell-name-that-is-far-too-long-for-jailhouse")));
    }

    [Fact]
    public void YamlSyntaxError()
    {
        string error = YamlError(Cell.Replace("memory:", "memory: ["));
        Assert.StartsWith("bad.yaml:6:5: error: YAML syntax: ", error);
    }

    [Fact]
    public void PlatformOfTheWrongArchitecture()
    {
        const string yaml = """
            arch: arm64
            system:
              hypervisor-memory: { phys: 0x7fc00000, size: 4M }
              platform:
                x86: { pm-timer-address: 0x608 }
            root-cell:
              name: root
              cpus: 0-3
            """;
        Assert.Equal("bad.yaml:5:10: error: x86 platform information in an arm64 configuration; use \"arm\"", YamlError(yaml));
    }

    [Fact]
    public void CpuBeyondCpuSetSize()
    {
        Assert.Equal("bad.yaml:5:17: error: cpu-set-size 8 bytes holds CPUs 0..63, but CPU 64 is listed",
            YamlError(Cell.Replace("cpus: 1", "cpus: 1,64\n  cpu-set-size: 8")));
    }
}
