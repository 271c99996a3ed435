using Jailhouse.Config;
using Jailhouse.Config.Check;
using Jailhouse.Config.Yaml;

namespace Jailhouse.Tests.Checking;

/// <summary>Minimal valid configurations for the checker tests; each test adds the one entry that breaks a rule.</summary>
internal static class CheckFixtures
{
    /// <summary>A GICv3 arm64 system; "#ROOT-MEMORY" is where tests add root-cell memory entries.</summary>
    public static string ArmSystem(string rootMemory = "", string platformArm = "{ gic-version: 3, maintenance-irq: 25, gicd-base: 0x08000000, gicr-base: 0x080a0000 }",
        string cpus = "0-3", string iommu = "") => $$"""
        arch: arm64
        system:
          hypervisor-memory: { phys: 0x7fc00000, size: 4M }
          platform:
            pci: { mmconfig-base: 0x08e00000, mmconfig-end-bus: 0, virtual: true, domain: 1 }
        {{iommu}}
            arm: {{platformArm}}
        root-cell:
          name: "root"
          cpus: {{cpus}}
          memory:
            - { name: uart, phys: 0x09000000, size: 4K, flags: [read, write, io] }
            - { name: ram, phys: 0x40000000, size: 512M, flags: [read, write, execute] }
        {{rootMemory}}
          irqchips:
            - { address: 0x08000000, pin-base: 32, pins: 32-159 }

        """;

    /// <summary>A bare-metal arm64 cell on CPU 1 with its UART, RAM and comm region.</summary>
    public static string ArmCell(string name = "demo", string cpus = "1", string memory = "", string ramPhys = "0x7fa00000",
        string console = "{ type: pl011, address: 0x09000000, size: 4K, flags: [mmio, regdist-4] }",
        string comm = "    - { name: comm, virt: 0x80000000, size: 4K, flags: [read, write, comm-region] }",
        string rest = "") => $$"""
        arch: arm64
        cell:
          name: "{{name}}"
          cpus: {{cpus}}
          console: {{console}}
          memory:
            - { name: uart, phys: 0x09000000, size: 4K, flags: [read, write, io, rootshared] }
            - { name: ram, phys: {{ramPhys}}, virt: 0, size: 64K, flags: [read, write, execute, loadable] }
        {{comm}}
        {{memory}}
        {{rest}}

        """;

    /// <summary>An x86 system with MMCONFIG, an Intel IOMMU and the standard IOAPIC.</summary>
    public static string X86System(string rootMemory = "", string rest = "") => $$"""
        arch: x86
        system:
          hypervisor-memory: { phys: 0x3a000000, size: 6M }
          platform:
            pci: { mmconfig-base: 0xb0000000, mmconfig-end-bus: 255 }
            iommu-units: [{ type: intel, base: 0xfed90000, size: 4K }]
        root-cell:
          name: "root"
          cpus: 0-3
          memory:
            - { name: low, phys: 0, size: 0x3a000000, flags: [read, write, execute, dma] }
        {{rootMemory}}
          irqchips:
            - { address: 0xfec00000, id: 0xff00, pin-base: 0, pins: 0-23 }
        {{rest}}

        """;

    /// <summary>An x86 inmate on CPU 2 with a port-I/O console.</summary>
    public static string X86Cell(string name = "inmate", string cpus = "2", string pio = "    - { base: 0x3f8, length: 8 }", string rest = "") => $$"""
        arch: x86
        cell:
          name: "{{name}}"
          cpus: {{cpus}}
          console: { type: 8250, address: 0x3f8 }
          memory:
            - { name: ram, phys: 0x3ee00000, virt: 0, size: 1M, flags: [read, write, execute, loadable] }
            - { name: comm, virt: 0x100000, size: 4K, flags: [read, write, comm-region] }
          pio:
        {{pio}}
        {{rest}}

        """;

    public static CheckInput Input(string file, string yaml) => new(file, YamlConfigReader.Read(yaml, file));

    public static CheckReport Check(params (string File, string Yaml)[] files) => Check(null, files);

    public static CheckReport Check(CheckOptions? options, params (string File, string Yaml)[] files) =>
        ConfigChecker.Check(files.Select(f => Input(f.File, f.Yaml)).ToList(), options);

    /// <summary>The 1-based line of the first line containing <paramref name="marker"/>.</summary>
    public static int LineOf(string yaml, string marker)
    {
        var lines = yaml.Split('\n');
        int index = Array.FindIndex(lines, l => l.Contains(marker, StringComparison.Ordinal));
        Assert.True(index >= 0, $"marker {marker} not in the fixture");
        return index + 1;
    }

    public static SourceLocation At(string file, string yaml, string marker, int column) => new(file, LineOf(yaml, marker), column);
}
