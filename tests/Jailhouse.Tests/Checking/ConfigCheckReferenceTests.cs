using Jailhouse.Boot;
using Jailhouse.Config.Check;

namespace Jailhouse.Tests.Checking;

/// <summary>
/// The checker over every upstream reference configuration: each file alone, each system with
/// each of its cells, the sets upstream runs together, and sets that cannot run together. Every
/// expected finding is explained; a scenario not listed with findings must pass.
/// </summary>
public sealed class ConfigCheckReferenceTests
{
    private static string Describe(Finding f) =>
        $"{f.File} {f.Entry} {f.Rule}{(f.Location is { ByteOffset: >= 0 } l ? $" @0x{l.ByteOffset:x}" : "")}";

    private static List<string> Run(string[] files, CheckOptions? options = null)
    {
        var paths = files.Select(f => Path.Combine(Paths.ReferenceCells, f)).ToList();
        var report = ConfigChecker.CheckFiles(paths, options);
        return report.Findings.Select(f => Describe(f with { File = Path.GetRelativePath(Paths.ReferenceCells, f.File) })).ToList();
    }

    /// <summary>Findings of each reference file checked alone; files not listed have none.</summary>
    private static readonly Dictionary<string, string[]> AloneFindings = new()
    {
        // Upstream's Jetson TX2 root cell maps TOP_TKE as 0x03010000+0xe0000 and then TIMER at
        // 0x03020000+0xa0000, which lies inside it (configs/arm64/jetson-tx2.c): a real overlap,
        // the kind upstream's own checker reports as "overlapping memory regions inside cell".
        ["arm64/jetson-tx2.cell"] = ["arm64/jetson-tx2.cell root-cell.memory[13] memory-overlap @0x390"],
        // The J721E root cell maps "most peripherals" 0x01000000+0x0af03000 in one piece, which
        // covers the GICv3 distributor (0x01800000) and redistributors (0x01900000, 2 CPUs), and
        // "MAIN NAVSS" 0x30800000+0x0bc00000, which covers the SMMUv3 unit and three TI PVUs the
        // hypervisor programs. Upstream's checker flags the same resources (GIC and IOMMU
        // interceptions); the configuration relies on the hypervisor never being bypassed.
        ["arm64/k3-j721e-evm.cell"] =
        [
            "arm64/k3-j721e-evm.cell root-cell.memory[12] gic-overlap @0x370",
            "arm64/k3-j721e-evm.cell root-cell.memory[12] gic-overlap @0x370",
            "arm64/k3-j721e-evm.cell root-cell.memory[13] iommu-overlap @0x390",
            "arm64/k3-j721e-evm.cell root-cell.memory[13] iommu-overlap @0x390",
            "arm64/k3-j721e-evm.cell root-cell.memory[13] iommu-overlap @0x390",
            "arm64/k3-j721e-evm.cell root-cell.memory[13] iommu-overlap @0x390",
        ],
        // ZCU102's root cell maps "MMIO (permissive)" 0xfd000000+0x03000000, which contains the
        // MMU-500 at 0xfd800000 (size 0x20000) that the hypervisor drives.
        ["arm64/zynqmp-zcu102.cell"] = ["arm64/zynqmp-zcu102.cell root-cell.memory[8] iommu-overlap @0x2f0"],
    };

    public static TheoryData<string> ReferenceFiles => Paths.ReferenceFileNames();

    [Theory]
    [MemberData(nameof(ReferenceFiles))]
    public void EachReferenceFileAlone(string file)
    {
        Assert.Equal(AloneFindings.GetValueOrDefault(file, []), Run([file]));
    }

    /// <summary>Each system configuration with each cell of its board: upstream's supported pairs.</summary>
    public static TheoryData<string, string> SystemAndCell => new()
    {
        { "arm/bananapi.cell", "arm/bananapi-inmate-demo.cell" },
        { "arm/bananapi.cell", "arm/bananapi-linux-demo.cell" },
        { "arm64/amd-seattle.cell", "arm64/amd-seattle-inmate-demo.cell" },
        { "arm64/amd-seattle.cell", "arm64/amd-seattle-linux-demo.cell" },
        { "arm64/k3-j721e-evm.cell", "arm64/k3-j721e-evm-linux-demo.cell" },
        { "arm64/qemu-arm64.cell", "arm64/qemu-arm64-inmate-demo.cell" },
        { "arm64/qemu-arm64.cell", "arm64/qemu-arm64-linux-demo.cell" },
        { "arm64/rpi4.cell", "arm64/rpi4-inmate-demo.cell" },
        { "arm64/zynqmp-zcu102.cell", "arm64/zynqmp-zcu102-inmate-demo.cell" },
        { "arm64/zynqmp-zcu102.cell", "arm64/zynqmp-zcu102-linux-demo.cell" },
        { "x86/qemu-x86.cell", "x86/apic-demo.cell" },
        { "x86/qemu-x86.cell", "x86/ivshmem-demo.cell" },
        { "x86/qemu-x86.cell", "x86/linux-x86-demo.cell" },
        { "x86/qemu-x86.cell", "x86/pci-demo.cell" },
        { "x86/qemu-x86.cell", "x86/tiny-demo.cell" },
    };

    [Theory]
    [MemberData(nameof(SystemAndCell))]
    public void EachSystemWithEachOfItsCells(string system, string cell)
    {
        // The cells add nothing: every finding is the system file's own (see AloneFindings).
        Assert.Equal(AloneFindings.GetValueOrDefault(system, []), Run([system, cell]));
    }

    [Fact]
    public void SetsUpstreamRunsTogether()
    {
        // QEMU arm64: the root cell and both demos are the three peers of ivshmem 00:00.0
        // (dev-ids 0, 1, 2); CPUs 1 and 2-3, RAM 0x7fa00000/0x7f900000 and 0x70000000 apart; the
        // UART and the ivshmem regions are rootshared in both cells.
        Assert.Empty(Run(["arm64/qemu-arm64.cell", "arm64/qemu-arm64-inmate-demo.cell", "arm64/qemu-arm64-linux-demo.cell"]));
        // QEMU x86: ivshmem-demo (CPU 1) and linux-x86-demo (CPUs 2-3) are peers 1 and 2 of 01:0e.0.
        Assert.Empty(Run(["x86/qemu-x86.cell", "x86/ivshmem-demo.cell", "x86/linux-x86-demo.cell"]));
        // AMD Seattle: inmate demo and Linux demo have disjoint CPUs and memory.
        Assert.Empty(Run(["arm64/amd-seattle.cell", "arm64/amd-seattle-inmate-demo.cell", "arm64/amd-seattle-linux-demo.cell"]));
    }

    [Fact]
    public void DemosThatAreAlternativesConflict()
    {
        // Banana Pi: both demos take CPU 1; the Linux demo's ivshmem output section
        // 0x7bf80000+0x7f000 contains the inmate's RAM 0x7bfe0000+64K; its CCU register
        // 0x01c2006c lies in the inmate's CCU window 0x01c20000+0x400 and its UART 7
        // (0x01c29c00) in the inmate's "UART 4-7" page, none marked shared. One at a time.
        Assert.Equal(
            [
                "arm/bananapi-linux-demo.cell cell.cpus cpu-conflict @0x84",
                "arm/bananapi-linux-demo.cell cell.memory[3] memory-conflict @0xec",
                "arm/bananapi-linux-demo.cell cell.memory[4] memory-conflict @0x10c",
                "arm/bananapi-linux-demo.cell cell.memory[5] memory-conflict @0x12c",
            ],
            Run(["arm/bananapi.cell", "arm/bananapi-inmate-demo.cell", "arm/bananapi-linux-demo.cell"]));
        // ZCU102: both demos use CPU 3 and load their 64K boot RAM at 0x800600000, plus the
        // root cell's MMU-500 finding.
        Assert.Equal(
            [
                "arm64/zynqmp-zcu102.cell root-cell.memory[8] iommu-overlap @0x2f0",
                "arm64/zynqmp-zcu102-linux-demo.cell cell.cpus cpu-conflict @0x84",
                "arm64/zynqmp-zcu102-linux-demo.cell cell.memory[9] memory-conflict @0x1ac",
            ],
            Run(["arm64/zynqmp-zcu102.cell", "arm64/zynqmp-zcu102-inmate-demo.cell", "arm64/zynqmp-zcu102-linux-demo.cell"]));
        // QEMU x86: tiny-demo and pci-demo both run on CPU 2 from RAM 0x3ee00000; apic-demo
        // (CPU 3, RAM 0x3ef00000) fits beside either.
        Assert.Equal(
            [
                "x86/pci-demo.cell cell.cpus cpu-conflict @0x84",
                "x86/pci-demo.cell cell.memory[0] memory-conflict @0x8c",
            ],
            Run(["x86/qemu-x86.cell", "x86/tiny-demo.cell", "x86/apic-demo.cell", "x86/pci-demo.cell"]));
    }

    [Fact]
    public void CellOfAnotherArchitecture()
    {
        Assert.Equal(["arm64/qemu-arm64-inmate-demo.cell arch arch-mismatch @0x0"],
            Run(["arm/qemu-arm.cell", "arm64/qemu-arm64-inmate-demo.cell"]));
    }

    [Theory]
    [InlineData("qemu-arm64", "arm64/qemu-arm64.cell", "arm64/qemu-arm64-inmate-demo.cell", "arm64/qemu-arm64-linux-demo.cell")]
    [InlineData("qemu-x86", "x86/qemu-x86.cell", "x86/ivshmem-demo.cell", "x86/linux-x86-demo.cell")]
    public void UpstreamQemuSetsFitOurBoardReservation(string board, params string[] files)
    {
        var description = BoardDescriptionReader.ReadFile(Path.Combine(Paths.RepositoryRoot, "bsp", board, "board.yaml"));
        var plan = ReservationPlanner.Plan(description);
        var options = new CheckOptions { Reservation = (plan.Start, plan.Size), RamBanks = description.RamBanks };
        Assert.Empty(Run(files, options));
        // A reservation one MiB too small at the top leaves the hypervisor (arm64: at the top)
        // or the shared memory (x86: at the top) to Linux.
        var tooSmall = options with { Reservation = (plan.Start, plan.Size - (1UL << 20)) };
        Assert.Contains(Run(files, tooSmall), f => f.Contains("outside-reservation", StringComparison.Ordinal));
    }
}
