using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Jailhouse.Binaries;
using Jailhouse.Boot;
using Jailhouse.Config.Binary;
using Jailhouse.Config.Model;
using Jailhouse.Hypervisor;

namespace Jailhouse.Tests.Driver;

/// <summary>
/// kmod/layout.h against the C# definitions it copies (the configuration format of BinaryLayout,
/// the hypervisor header of HypervisorHeader, the hypercall numbers of Hypercalls): a C program
/// compiled here with the host's gcc prints every sizeof, offsetof and value the driver uses.
/// </summary>
public sealed partial class DriverLayoutTests : TempDirectoryTest
{
    private const string Program = $$"""
        #include <stddef.h>
        #include <stdio.h>
        #define __packed __attribute__((__packed__))
        #include "layout.h"

        {{CHeaderProgram.Macros}}

        int main(void)
        {
        	VALUE(JH_CONFIG_REVISION);
        	TEXT(JH_SYSTEM_SIGNATURE);
        	TEXT(JH_CELL_SIGNATURE);
        	VALUE(JH_SIGNATURE_LEN);
        	VALUE(JH_CELL_NAME_LEN);
        	VALUE(JH_SYS_VIRTUAL_DEBUG_CONSOLE);
        	VALUE(JH_MEM_READ);
        	VALUE(JH_MEM_WRITE);
        	VALUE(JH_MEM_EXECUTE);
        	VALUE(JH_MEM_COMM_REGION);
        	VALUE(JH_MEM_LOADABLE);
        	VALUE(JH_CACHE_SIZE);
        	VALUE(JH_IRQCHIP_SIZE);
        	VALUE(JH_PIO_SIZE);
        	VALUE(JH_PCI_DEVICE_SIZE);
        	VALUE(JH_PCI_CAP_SIZE);
        	VALUE(JH_STREAM_ID_SIZE);
        	VALUE(JH_PLATFORM_INFO_SIZE);

        	SIZE(jh_memory);
        	OFFSET(jh_memory, phys_start);
        	OFFSET(jh_memory, virt_start);
        	OFFSET(jh_memory, size);
        	OFFSET(jh_memory, flags);

        	SIZE(jh_console);
        	OFFSET(jh_console, address);
        	OFFSET(jh_console, size);
        	OFFSET(jh_console, type);
        	OFFSET(jh_console, flags);
        	OFFSET(jh_console, divider);
        	OFFSET(jh_console, gate_nr);
        	OFFSET(jh_console, clock_reg);

        	SIZE(jh_cell_desc);
        	OFFSET(jh_cell_desc, architecture);
        	OFFSET(jh_cell_desc, revision);
        	OFFSET(jh_cell_desc, name);
        	OFFSET(jh_cell_desc, id);
        	OFFSET(jh_cell_desc, flags);
        	OFFSET(jh_cell_desc, cpu_set_size);
        	OFFSET(jh_cell_desc, num_memory_regions);
        	OFFSET(jh_cell_desc, num_cache_regions);
        	OFFSET(jh_cell_desc, num_irqchips);
        	OFFSET(jh_cell_desc, num_pio_regions);
        	OFFSET(jh_cell_desc, num_pci_devices);
        	OFFSET(jh_cell_desc, num_pci_caps);
        	OFFSET(jh_cell_desc, num_stream_ids);
        	OFFSET(jh_cell_desc, vpci_irq_base);
        	OFFSET(jh_cell_desc, cpu_reset_address);
        	OFFSET(jh_cell_desc, msg_reply_timeout);
        	OFFSET(jh_cell_desc, console);

        	OFFSET(jh_system, architecture);
        	OFFSET(jh_system, revision);
        	OFFSET(jh_system, flags);
        	OFFSET(jh_system, hypervisor_memory);
        	OFFSET(jh_system, debug_console);
        	OFFSET(jh_system, platform_info);
        	OFFSET(jh_system, root_cell);

        	TEXT(JH_HEADER_SIGNATURE);
        	VALUE(JH_HEADER_SIGNATURE_LEN);
        	SIZE(jh_header);
        	OFFSET(jh_header, signature);
        	OFFSET(jh_header, core_size);
        	OFFSET(jh_header, percpu_size);
        	OFFSET(jh_header, entry);
        	OFFSET(jh_header, console_page);
        	OFFSET(jh_header, gcov_info_head);
        	OFFSET(jh_header, max_cpus);
        	OFFSET(jh_header, online_cpus);
        	OFFSET(jh_header, debug_console_base);
        	OFFSET(jh_header, arm_linux_hyp_vectors);
        	OFFSET(jh_header, arm_linux_hyp_abi);

        	VALUE(JH_HC_DISABLE);
        	VALUE(JH_HC_CELL_CREATE);
        	VALUE(JH_HC_CELL_START);
        	VALUE(JH_HC_CELL_SET_LOADABLE);
        	VALUE(JH_HC_CELL_DESTROY);
        	VALUE(JH_HC_HYPERVISOR_GET_INFO);
        	VALUE(JH_HC_CELL_GET_STATE);
        	VALUE(JH_HC_CPU_GET_INFO);
        	VALUE(JH_INFO_MEM_POOL_SIZE);
        	VALUE(JH_INFO_MEM_POOL_USED);
        	VALUE(JH_INFO_REMAP_POOL_SIZE);
        	VALUE(JH_INFO_REMAP_POOL_USED);
        	VALUE(JH_CPU_INFO_STATE);
        	VALUE(JH_CPU_INFO_STAT_BASE);
        	VALUE(JH_CPU_FAILED);
        	VALUE(JH_CELL_RUNNING);
        	return 0;
        }
        """;

    [Fact]
    public void ConfigurationStructuresMatchBinaryLayout()
    {
        var c = CHeaderProgram.Run(temp, Program);
        Assert.Equal(BinaryLayout.Revision, c.Number("JH_CONFIG_REVISION"));
        Assert.Equal(BinaryLayout.SystemSignature, c["JH_SYSTEM_SIGNATURE"]);
        Assert.Equal(BinaryLayout.CellSignature, c["JH_CELL_SIGNATURE"]);
        Assert.Equal((ulong)BinaryLayout.SignatureLength, c.Number("JH_SIGNATURE_LEN"));
        Assert.Equal((ulong)BinaryLayout.CellNameSize, c.Number("JH_CELL_NAME_LEN"));
        Assert.Equal((ulong)SystemFlags.VirtualDebugConsole, c.Number("JH_SYS_VIRTUAL_DEBUG_CONSOLE"));
        Assert.Equal((ulong)MemoryFlags.Read, c.Number("JH_MEM_READ"));
        Assert.Equal((ulong)MemoryFlags.Write, c.Number("JH_MEM_WRITE"));
        Assert.Equal((ulong)MemoryFlags.Execute, c.Number("JH_MEM_EXECUTE"));
        Assert.Equal((ulong)MemoryFlags.CommRegion, c.Number("JH_MEM_COMM_REGION"));
        Assert.Equal((ulong)MemoryFlags.Loadable, c.Number("JH_MEM_LOADABLE"));
        Assert.Equal((ulong)BinaryLayout.CacheRegionSize, c.Number("JH_CACHE_SIZE"));
        Assert.Equal((ulong)BinaryLayout.IrqchipSize, c.Number("JH_IRQCHIP_SIZE"));
        Assert.Equal((ulong)BinaryLayout.PioRangeSize, c.Number("JH_PIO_SIZE"));
        Assert.Equal((ulong)BinaryLayout.PciDeviceSize, c.Number("JH_PCI_DEVICE_SIZE"));
        Assert.Equal((ulong)BinaryLayout.PciCapabilitySize, c.Number("JH_PCI_CAP_SIZE"));
        Assert.Equal((ulong)BinaryLayout.StreamIdSize, c.Number("JH_STREAM_ID_SIZE"));

        Assert.Equal((ulong)BinaryLayout.MemoryRegionSize, c.Number("jh_memory"));
        Assert.Equal((ulong)BinaryLayout.MemoryPhysStart, c.Number("jh_memory.phys_start"));
        Assert.Equal((ulong)BinaryLayout.MemoryVirtStart, c.Number("jh_memory.virt_start"));
        Assert.Equal((ulong)BinaryLayout.MemorySizeField, c.Number("jh_memory.size"));
        Assert.Equal((ulong)BinaryLayout.MemoryFlagsField, c.Number("jh_memory.flags"));

        Assert.Equal((ulong)BinaryLayout.ConsoleSize, c.Number("jh_console"));
        Assert.Equal((ulong)BinaryLayout.ConsoleAddress, c.Number("jh_console.address"));
        Assert.Equal((ulong)BinaryLayout.ConsoleSizeField, c.Number("jh_console.size"));
        Assert.Equal((ulong)BinaryLayout.ConsoleTypeField, c.Number("jh_console.type"));
        Assert.Equal((ulong)BinaryLayout.ConsoleFlagsField, c.Number("jh_console.flags"));
        Assert.Equal((ulong)BinaryLayout.ConsoleDivider, c.Number("jh_console.divider"));
        Assert.Equal((ulong)BinaryLayout.ConsoleGateNr, c.Number("jh_console.gate_nr"));
        Assert.Equal((ulong)BinaryLayout.ConsoleClockReg, c.Number("jh_console.clock_reg"));

        Assert.Equal((ulong)BinaryLayout.CellDescSize, c.Number("jh_cell_desc"));
        Assert.Equal((ulong)BinaryLayout.ArchitectureOffset, c.Number("jh_cell_desc.architecture"));
        Assert.Equal((ulong)BinaryLayout.RevisionOffset, c.Number("jh_cell_desc.revision"));
        Assert.Equal((ulong)BinaryLayout.CellName, c.Number("jh_cell_desc.name"));
        Assert.Equal((ulong)BinaryLayout.CellId, c.Number("jh_cell_desc.id"));
        Assert.Equal((ulong)BinaryLayout.CellFlagsField, c.Number("jh_cell_desc.flags"));
        Assert.Equal((ulong)BinaryLayout.CellCpuSetSize, c.Number("jh_cell_desc.cpu_set_size"));
        Assert.Equal((ulong)BinaryLayout.CellNumMemoryRegions, c.Number("jh_cell_desc.num_memory_regions"));
        Assert.Equal((ulong)BinaryLayout.CellNumCacheRegions, c.Number("jh_cell_desc.num_cache_regions"));
        Assert.Equal((ulong)BinaryLayout.CellNumIrqchips, c.Number("jh_cell_desc.num_irqchips"));
        Assert.Equal((ulong)BinaryLayout.CellNumPioRegions, c.Number("jh_cell_desc.num_pio_regions"));
        Assert.Equal((ulong)BinaryLayout.CellNumPciDevices, c.Number("jh_cell_desc.num_pci_devices"));
        Assert.Equal((ulong)BinaryLayout.CellNumPciCaps, c.Number("jh_cell_desc.num_pci_caps"));
        Assert.Equal((ulong)BinaryLayout.CellNumStreamIds, c.Number("jh_cell_desc.num_stream_ids"));
        Assert.Equal((ulong)BinaryLayout.CellVpciIrqBase, c.Number("jh_cell_desc.vpci_irq_base"));
        Assert.Equal((ulong)BinaryLayout.CellCpuResetAddress, c.Number("jh_cell_desc.cpu_reset_address"));
        Assert.Equal((ulong)BinaryLayout.CellMsgReplyTimeout, c.Number("jh_cell_desc.msg_reply_timeout"));
        Assert.Equal((ulong)BinaryLayout.CellConsole, c.Number("jh_cell_desc.console"));

        Assert.Equal((ulong)BinaryLayout.ArchitectureOffset, c.Number("jh_system.architecture"));
        Assert.Equal((ulong)BinaryLayout.RevisionOffset, c.Number("jh_system.revision"));
        Assert.Equal((ulong)BinaryLayout.SysFlags, c.Number("jh_system.flags"));
        Assert.Equal((ulong)BinaryLayout.SysHypervisorMemory, c.Number("jh_system.hypervisor_memory"));
        Assert.Equal((ulong)BinaryLayout.SysDebugConsole, c.Number("jh_system.debug_console"));
        // platform_info stands for everything the driver does not read: PCI, IOMMU units, the platform union.
        Assert.Equal((ulong)BinaryLayout.SysPciMmconfigBase, c.Number("jh_system.platform_info"));
        Assert.Equal((ulong)(BinaryLayout.SystemHeaderSize - BinaryLayout.SysPciMmconfigBase), c.Number("JH_PLATFORM_INFO_SIZE"));
        Assert.Equal((ulong)BinaryLayout.SystemHeaderSize, c.Number("jh_system.root_cell"));
    }

    [Fact]
    public void HypervisorHeaderMatchesTheHypervisors()
    {
        var c = CHeaderProgram.Run(temp, Program);
        Assert.Equal(HypervisorHeader.SignatureText, c["JH_HEADER_SIGNATURE"]);
        Assert.Equal((ulong)HypervisorHeader.SignatureLength, c.Number("JH_HEADER_SIGNATURE_LEN"));
        Assert.Equal((ulong)Unsafe.SizeOf<HypervisorHeader>(), c.Number("jh_header"));
        Assert.Equal((ulong)HypervisorHeader.Size, c.Number("jh_header"));
        Assert.Equal((ulong)HypervisorHeader.SignatureOffset, c.Number("jh_header.signature"));
        Assert.Equal((ulong)HypervisorHeader.CoreSizeOffset, c.Number("jh_header.core_size"));
        Assert.Equal((ulong)HypervisorHeader.PerCpuSizeOffset, c.Number("jh_header.percpu_size"));
        Assert.Equal((ulong)HypervisorHeader.EntryOffset, c.Number("jh_header.entry"));
        Assert.Equal((ulong)HypervisorHeader.ConsolePageOffset, c.Number("jh_header.console_page"));
        Assert.Equal((ulong)HypervisorHeader.GcovInfoHeadOffset, c.Number("jh_header.gcov_info_head"));
        Assert.Equal((ulong)HypervisorHeader.MaxCpusOffset, c.Number("jh_header.max_cpus"));
        Assert.Equal((ulong)HypervisorHeader.OnlineCpusOffset, c.Number("jh_header.online_cpus"));
        Assert.Equal((ulong)HypervisorHeader.DebugConsoleBaseOffset, c.Number("jh_header.debug_console_base"));
        Assert.Equal((ulong)HypervisorHeader.ArmLinuxHypVectorsOffset, c.Number("jh_header.arm_linux_hyp_vectors"));
        Assert.Equal((ulong)HypervisorHeader.ArmLinuxHypAbiOffset, c.Number("jh_header.arm_linux_hyp_abi"));
    }

    [Fact]
    public void HypercallNumbersMatchTheHypervisors()
    {
        var c = CHeaderProgram.Run(temp, Program);
        Assert.Equal(Hypercalls.Disable, c.Number("JH_HC_DISABLE"));
        Assert.Equal(Hypercalls.CellCreate, c.Number("JH_HC_CELL_CREATE"));
        Assert.Equal(Hypercalls.CellStart, c.Number("JH_HC_CELL_START"));
        Assert.Equal(Hypercalls.CellSetLoadable, c.Number("JH_HC_CELL_SET_LOADABLE"));
        Assert.Equal(Hypercalls.CellDestroy, c.Number("JH_HC_CELL_DESTROY"));
        Assert.Equal(Hypercalls.HypervisorGetInfo, c.Number("JH_HC_HYPERVISOR_GET_INFO"));
        Assert.Equal(Hypercalls.CellGetState, c.Number("JH_HC_CELL_GET_STATE"));
        Assert.Equal(Hypercalls.CpuGetInfo, c.Number("JH_HC_CPU_GET_INFO"));
        Assert.Equal(Hypercalls.InfoMemPoolSize, c.Number("JH_INFO_MEM_POOL_SIZE"));
        Assert.Equal(Hypercalls.InfoMemPoolUsed, c.Number("JH_INFO_MEM_POOL_USED"));
        Assert.Equal(Hypercalls.InfoRemapPoolSize, c.Number("JH_INFO_REMAP_POOL_SIZE"));
        Assert.Equal(Hypercalls.InfoRemapPoolUsed, c.Number("JH_INFO_REMAP_POOL_USED"));
        Assert.Equal(Hypercalls.CpuInfoState, c.Number("JH_CPU_INFO_STATE"));
        Assert.Equal(Hypercalls.CpuInfoStatBase, c.Number("JH_CPU_INFO_STAT_BASE"));
        Assert.Equal((ulong)Hypercalls.CpuFailed, c.Number("JH_CPU_FAILED"));
        Assert.Equal((ulong)Hypercalls.CellRunning, c.Number("JH_CELL_RUNNING"));
    }

    [GeneratedRegex(@"^\s*\.equ\s+(\w+),\s*(\d+)", RegexOptions.Multiline)]
    private static partial Regex Equ();

    /// <summary>
    /// The stand-in hypervisors of the driver's boot tests (bsp/common/tests/arm64/*-hypervisor.S)
    /// write the header out in assembly (stand-in-hypervisor.inc): its offsets are HypervisorHeader's
    /// and the images they build pass the linker's header check.
    /// </summary>
    [Fact]
    public void StandInHypervisorsUseTheHeaderLayout()
    {
        var expected = new Dictionary<string, int>
        {
            ["CORE_SIZE"] = HypervisorHeader.CoreSizeOffset,
            ["PERCPU_SIZE"] = HypervisorHeader.PerCpuSizeOffset,
            ["MAX_CPUS"] = HypervisorHeader.MaxCpusOffset,
            ["ONLINE_CPUS"] = HypervisorHeader.OnlineCpusOffset,
            ["HYP_VECTORS"] = HypervisorHeader.ArmLinuxHypVectorsOffset,
            ["SYS_HV_PHYS"] = BinaryLayout.SysHypervisorMemory + BinaryLayout.MemoryPhysStart,
        };
        string tests = Path.Combine(Paths.RepositoryRoot, "bsp", "common", "tests");
        string shared = Path.Combine(tests, "arm64", "stand-in-hypervisor.inc");
        var offsets = Equ().Matches(File.ReadAllText(shared))
            .Where(m => expected.ContainsKey(m.Groups[1].Value))
            .ToDictionary(m => m.Groups[1].Value, m => int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), offsets.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, offset) in offsets)
            Assert.True(expected[name] == offset, $"stand-in-hypervisor.inc: {name} is {offset}, the layout says {expected[name]}");
        // The header offsets have this one home among the stand-ins.
        foreach (string source in Directory.GetFiles(Path.Combine(tests, "arm64"), "*.S"))
            Assert.DoesNotContain(Equ().Matches(File.ReadAllText(source)), m => expected.ContainsKey(m.Groups[1].Value));

        var images = InmateBuilder.BuildArchFolder(tests, "arm64", temp).Where(f => f.EndsWith("-hypervisor.bin", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, images.Count);
        foreach (string image in images)
            HypervisorLinker.Check(image, File.ReadAllBytes(image));
    }
}
