using Jailhouse.Config.Model;
using Jailhouse.Config.Text;
using YamlDotNet.RepresentationModel;

namespace Jailhouse.Config.Yaml;

/// <summary>
/// Reads the YAML configuration format (see configs/README.md) into the model. Names tie PCI
/// devices to their capabilities and shared-memory regions; indices are derived when the model is
/// written. Every error names file:line:column and what was expected.
/// </summary>
public sealed class YamlConfigReader
{
    /// <summary>A sane bound for CPU numbers (upstream configs use 64-bit sets).</summary>
    private const int MaxCpu = (1 << 20) - 1;

    private readonly YamlNodes nodes;

    private YamlConfigReader(string file) => nodes = new YamlNodes(file);

    public static JailhouseConfig ReadFile(string path) => Read(InputFiles.ReadText(path, InputLimit.Configuration), path);

    public static JailhouseConfig Read(string text, string file) =>
        new YamlConfigReader(file).ReadTop(YamlNodes.ParseDocument(text, file));

    private JailhouseConfig ReadTop(YamlNode root)
    {
        var top = nodes.Map(root, "the configuration (expected keys arch and either system + root-cell, or cell)");
        var config = new JailhouseConfig
        {
            Architecture = (Architecture)nodes.Named(top.Required("arch"), Names.Architecture, "arch"),
        };
        var system = top.Optional("system");
        var rootCell = top.Optional("root-cell");
        var cell = top.Optional("cell");
        top.Done();

        if (system is not null)
        {
            if (cell is not null)
                throw nodes.Error(cell, "a system configuration describes its root cell under \"root-cell\", not \"cell\"");
            if (rootCell is null)
                throw nodes.Error(root, "missing required field \"root-cell\" in the system configuration");
            config.System = ReadSystem(system, config.Architecture);
            config.Cell = ReadCell(rootCell, "root cell");
        }
        else
        {
            if (rootCell is not null)
                throw nodes.Error(rootCell, "\"root-cell\" belongs to a system configuration: add \"system\" or rename it to \"cell\"");
            if (cell is null)
                throw nodes.Error(root, "missing required field \"cell\" (a cell configuration) or \"system\" (a system configuration)");
            config.Cell = ReadCell(cell, "cell");
        }
        return config;
    }

    private SystemConfig ReadSystem(YamlNode node, Architecture arch)
    {
        var f = nodes.Map(node, "system");
        var system = new SystemConfig();
        if (f.Optional("flags") is { } flags)
            system.Flags = (SystemFlags)nodes.Flags(flags, Names.SystemFlags, "system flags");
        system.HypervisorMemory = ReadHypervisorMemory(f.Required("hypervisor-memory"));
        if (f.Optional("debug-console") is { } console)
            system.DebugConsole = ReadConsole(console, "debug-console");
        if (f.Optional("platform") is { } platform)
            system.Platform = ReadPlatform(platform, arch);
        else if (arch == Architecture.X86)
            system.Platform.X86 = new X86Platform();
        else
            system.Platform.Arm = new ArmPlatform();
        f.Done();
        return system;
    }

    private MemoryRegion ReadHypervisorMemory(YamlNode node)
    {
        var f = nodes.Map(node, "hypervisor-memory");
        var region = new MemoryRegion
        {
            PhysStart = nodes.Number(f.Required("phys"), "hypervisor-memory phys"),
            Size = nodes.Size(f.Required("size"), "hypervisor-memory size"),
            Origin = nodes.Where(node),
        };
        // Upstream leaves virt_start and flags of the hypervisor memory zero.
        if (f.Optional("virt") is { } virt)
            region.VirtStart = nodes.Number(virt, "hypervisor-memory virt");
        if (f.Optional("flags") is { } flags)
            region.Flags = (MemoryFlags)nodes.Flags(flags, Names.MemoryFlags, "hypervisor-memory flags");
        f.Done();
        return region;
    }

    private PlatformInfo ReadPlatform(YamlNode node, Architecture arch)
    {
        var f = nodes.Map(node, "platform");
        var platform = new PlatformInfo();
        if (f.Optional("pci") is { } pciNode)
        {
            var pci = nodes.Map(pciNode, "platform pci");
            if (pci.Optional("mmconfig-base") is { } b)
                platform.PciMmconfigBase = nodes.Number(b, "mmconfig-base");
            if (pci.Optional("mmconfig-end-bus") is { } e)
                platform.PciMmconfigEndBus = (byte)nodes.Number(e, "mmconfig-end-bus", byte.MaxValue);
            if (pci.Optional("virtual") is { } v)
                platform.PciIsVirtual = v is YamlScalarNode { Value: "true" or "false" }
                    ? (byte)(nodes.Bool(v, "virtual") ? 1 : 0)
                    : (byte)nodes.Number(v, "virtual", byte.MaxValue);
            if (pci.Optional("domain") is { } d)
                platform.PciDomain = (ushort)nodes.Number(d, "pci domain", ushort.MaxValue);
            pci.Done();
        }
        if (f.Optional("iommu-units") is { } units)
        {
            var list = nodes.List(units, "iommu-units");
            if (list.Count > PlatformInfo.MaxIommuUnits)
                throw nodes.Error(list[PlatformInfo.MaxIommuUnits], $"at most {PlatformInfo.MaxIommuUnits} IOMMU units fit in a system configuration");
            foreach (var unit in list)
                platform.IommuUnits.Add(ReadIommu(unit));
        }
        var x86 = f.Optional("x86");
        var arm = f.Optional("arm");
        f.Done();
        if (arch == Architecture.X86)
        {
            if (arm is not null)
                throw nodes.Error(arm, "ARM platform information in an x86 configuration; use \"x86\"");
            platform.X86 = x86 is null ? new X86Platform() : ReadX86(x86);
        }
        else
        {
            if (x86 is not null)
                throw nodes.Error(x86, $"x86 platform information in an {Names.Architecture.FormatValue((ulong)arch)} configuration; use \"arm\"");
            platform.Arm = arm is null ? new ArmPlatform() : ReadArm(arm);
        }
        return platform;
    }

    private IommuUnit ReadIommu(YamlNode node)
    {
        var f = nodes.Map(node, "an IOMMU unit");
        var unit = new IommuUnit
        {
            Type = (IommuType)nodes.Named(f.Required("type"), Names.IommuType, "IOMMU type"),
            Base = nodes.Number(f.Required("base"), "IOMMU base"),
            Size = (uint)nodes.Size(f.Required("size"), "IOMMU size", uint.MaxValue),
            Origin = nodes.Where(node),
        };
        var amdBdf = f.Optional("amd-bdf");
        var amdBaseCap = f.Optional("amd-base-cap");
        var amdMsiCap = f.Optional("amd-msi-cap");
        var amdFeatures = f.Optional("amd-features");
        var tlbBase = f.Optional("tlb-base");
        var tlbSize = f.Optional("tlb-size");
        f.Done();
        YamlNode? amd = amdBdf ?? amdBaseCap ?? amdMsiCap ?? amdFeatures;
        if (amd is not null && unit.Type != IommuType.Amd)
            throw nodes.Error(amd, "amd-* fields belong to IOMMU units of type amd");
        YamlNode? pvu = tlbBase ?? tlbSize;
        if (pvu is not null && unit.Type != IommuType.TiPvu)
            throw nodes.Error(pvu, "tlb-* fields belong to IOMMU units of type pvu");
        if (amdBdf is not null)
        {
            string text = nodes.Scalar(amdBdf, "amd-bdf");
            if (!BdfSyntax.TryParse(text, out ushort domain, out ushort bdf, out string error) || domain != 0)
                throw nodes.Error(amdBdf, $"amd-bdf: {error}");
            unit.AmdBdf = bdf;
        }
        if (amdBaseCap is not null)
            unit.AmdBaseCap = (byte)nodes.Number(amdBaseCap, "amd-base-cap", byte.MaxValue);
        if (amdMsiCap is not null)
            unit.AmdMsiCap = (byte)nodes.Number(amdMsiCap, "amd-msi-cap", byte.MaxValue);
        if (amdFeatures is not null)
            unit.AmdFeatures = (uint)nodes.Number(amdFeatures, "amd-features", uint.MaxValue);
        if (tlbBase is not null)
            unit.TlbBase = nodes.Number(tlbBase, "tlb-base");
        if (tlbSize is not null)
            unit.TlbSize = (uint)nodes.Size(tlbSize, "tlb-size", uint.MaxValue);
        return unit;
    }

    private X86Platform ReadX86(YamlNode node)
    {
        var f = nodes.Map(node, "platform x86");
        var x86 = new X86Platform();
        if (f.Optional("pm-timer-address") is { } pm)
            x86.PmTimerAddress = (ushort)nodes.Number(pm, "pm-timer-address", ushort.MaxValue);
        if (f.Optional("apic-mode") is { } mode)
            x86.ApicMode = (ApicMode)nodes.Named(mode, Names.ApicMode, "apic-mode");
        if (f.Optional("vtd-interrupt-limit") is { } limit)
            x86.VtdInterruptLimit = (uint)nodes.Number(limit, "vtd-interrupt-limit", uint.MaxValue);
        if (f.Optional("tsc-khz") is { } tsc)
            x86.TscKhz = (uint)nodes.Number(tsc, "tsc-khz", uint.MaxValue);
        if (f.Optional("apic-khz") is { } apic)
            x86.ApicKhz = (uint)nodes.Number(apic, "apic-khz", uint.MaxValue);
        f.Done();
        return x86;
    }

    private ArmPlatform ReadArm(YamlNode node)
    {
        var f = nodes.Map(node, "platform arm");
        var arm = new ArmPlatform
        {
            GicVersion = (byte)nodes.Number(f.Required("gic-version"), "gic-version", byte.MaxValue),
        };
        if (f.Optional("maintenance-irq") is { } irq)
            arm.MaintenanceIrq = (byte)nodes.Number(irq, "maintenance-irq", byte.MaxValue);
        if (f.Optional("gicd-base") is { } gicd)
            arm.GicdBase = nodes.Number(gicd, "gicd-base");
        if (f.Optional("gicc-base") is { } gicc)
            arm.GiccBase = nodes.Number(gicc, "gicc-base");
        if (f.Optional("gich-base") is { } gich)
            arm.GichBase = nodes.Number(gich, "gich-base");
        if (f.Optional("gicv-base") is { } gicv)
            arm.GicvBase = nodes.Number(gicv, "gicv-base");
        if (f.Optional("gicr-base") is { } gicr)
            arm.GicrBase = nodes.Number(gicr, "gicr-base");
        f.Done();
        return arm;
    }

    private ConsoleConfig ReadConsole(YamlNode node, string context)
    {
        var f = nodes.Map(node, context);
        var console = new ConsoleConfig
        {
            Type = (ConsoleType)nodes.Named(f.Required("type"), Names.ConsoleType, $"{context} type"),
            Origin = nodes.Where(node),
        };
        if (f.Optional("address") is { } address)
            console.Address = nodes.Number(address, $"{context} address");
        if (f.Optional("size") is { } size)
            console.Size = (uint)nodes.Size(size, $"{context} size", uint.MaxValue);
        if (f.Optional("flags") is { } flags)
            console.Flags = (ConsoleFlags)nodes.Flags(flags, Names.ConsoleFlags, $"{context} flags");
        if (f.Optional("divider") is { } divider)
            console.Divider = (uint)nodes.Number(divider, $"{context} divider", uint.MaxValue);
        if (f.Optional("gate-nr") is { } gate)
            console.GateNr = (uint)nodes.Number(gate, $"{context} gate-nr", uint.MaxValue);
        if (f.Optional("clock-reg") is { } clock)
            console.ClockReg = nodes.Number(clock, $"{context} clock-reg");
        f.Done();
        return console;
    }

    private CellConfig ReadCell(YamlNode node, string context)
    {
        var f = nodes.Map(node, context);
        var cell = new CellConfig { Origin = nodes.Where(node) };
        var nameNode = f.Required("name");
        cell.Name = nodes.Scalar(nameNode, "cell name");
        if (System.Text.Encoding.UTF8.GetByteCount(cell.Name) > CellConfig.NameMaxLength)
            throw nodes.Error(nameNode, $"cell name \"{cell.Name}\" is longer than {CellConfig.NameMaxLength} bytes");
        if (f.Optional("id") is { } id)
            cell.Id = (uint)nodes.Number(id, "cell id", uint.MaxValue);
        if (f.Optional("flags") is { } flags)
            cell.Flags = (CellFlags)nodes.Flags(flags, Names.CellFlags, "cell flags");
        var cpusNode = f.Required("cpus");
        var cpus = nodes.RangeList(cpusNode, "cpus");
        if (cpus.Count > 0 && cpus.Max > MaxCpu)
            throw nodes.Error(cpusNode, $"cpus: CPU {cpus.Max} is beyond the largest supported CPU number {MaxCpu}");
        cell.Cpus = new SortedSet<int>(cpus.Select(c => (int)c));
        cell.CpusOrigin = nodes.Where(cpusNode);
        if (f.Optional("cpu-set-size") is { } setSize)
        {
            cell.CpuSetSize = (uint)nodes.Size(setSize, "cpu-set-size", uint.MaxValue);
            if (cell.Cpus.Count > 0 && cell.Cpus.Max >= (long)cell.CpuSetSize * 8)
                throw nodes.Error(setSize, $"cpu-set-size {cell.CpuSetSize} bytes holds CPUs 0..{(long)cell.CpuSetSize * 8 - 1}, but CPU {cell.Cpus.Max} is listed");
        }
        else
        {
            cell.CpuSetSize = CellConfig.MinimumCpuSetSize(cell.Cpus);
        }
        if (f.Optional("vpci-irq-base") is { } vpci)
            cell.VpciIrqBase = (uint)nodes.Number(vpci, "vpci-irq-base", uint.MaxValue);
        if (f.Optional("cpu-reset-address") is { } reset)
            cell.CpuResetAddress = nodes.Number(reset, "cpu-reset-address");
        if (f.Optional("msg-reply-timeout") is { } timeout)
            cell.MsgReplyTimeout = nodes.Number(timeout, "msg-reply-timeout");
        if (f.Optional("console") is { } console)
            cell.Console = ReadConsole(console, "console");

        var regionNames = new NameIndex<MemoryRegion>(nodes, "memory region");
        if (f.Optional("memory") is { } memory)
            foreach (var item in nodes.List(memory, "memory"))
                cell.MemoryRegions.Add(ReadMemoryRegion(item, regionNames));
        if (f.Optional("cache-regions") is { } caches)
            foreach (var item in nodes.List(caches, "cache-regions"))
                cell.CacheRegions.Add(ReadCache(item));
        if (f.Optional("irqchips") is { } irqchips)
            foreach (var item in nodes.List(irqchips, "irqchips"))
                cell.Irqchips.Add(ReadIrqchip(item));
        if (f.Optional("pio") is { } pio)
            foreach (var item in nodes.List(pio, "pio"))
                cell.PioRanges.Add(ReadPio(item));
        var capNames = new NameIndex<PciCapability>(nodes, "PCI capability");
        if (f.Optional("pci-caps") is { } caps)
            foreach (var item in nodes.List(caps, "pci-caps"))
                cell.PciCapabilities.Add(ReadCapability(item, capNames));
        var deviceNames = new NameIndex<PciDevice>(nodes, "PCI device");
        if (f.Optional("pci-devices") is { } devices)
            foreach (var item in nodes.List(devices, "pci-devices"))
                cell.PciDevices.Add(ReadPciDevice(item, cell, deviceNames, capNames, regionNames));
        if (f.Optional("stream-ids") is { } streamIds)
            foreach (var item in nodes.List(streamIds, "stream-ids"))
                cell.StreamIds.Add((uint)nodes.Number(item, "stream ID", uint.MaxValue));
        f.Done();
        return cell;
    }

    private MemoryRegion ReadMemoryRegion(YamlNode node, NameIndex<MemoryRegion> names)
    {
        var f = nodes.Map(node, "a memory region");
        var region = new MemoryRegion { Origin = nodes.Where(node) };
        if (f.Optional("name") is { } name)
            region.Name = names.Define(name, region);
        if (f.Optional("flags") is { } flags)
            region.Flags = (MemoryFlags)nodes.Flags(flags, Names.MemoryFlags, "memory flags");
        // A comm region has no physical backing in the cell config: phys defaults to 0 there.
        bool comm = region.Flags.HasFlag(MemoryFlags.CommRegion);
        var phys = comm ? f.Optional("phys") : f.Required("phys");
        var virt = comm ? f.Required("virt") : f.Optional("virt");
        region.PhysStart = phys is null ? 0 : nodes.Number(phys, "memory phys");
        region.VirtStart = virt is null ? region.PhysStart : nodes.Number(virt, "memory virt");
        region.Size = nodes.Size(f.Required("size"), "memory size");
        f.Done();
        return region;
    }

    private CacheRegion ReadCache(YamlNode node)
    {
        var f = nodes.Map(node, "a cache region");
        var cache = new CacheRegion
        {
            Start = (uint)nodes.Number(f.Required("start"), "cache start", uint.MaxValue),
            Size = (uint)nodes.Number(f.Required("size"), "cache size", uint.MaxValue),
            Type = CacheType.L3,
            Origin = nodes.Where(node),
        };
        if (f.Optional("type") is { } type)
            cache.Type = (CacheType)nodes.Named(type, Names.CacheType, "cache type");
        if (f.Optional("flags") is { } flags)
            cache.Flags = (CacheFlags)nodes.Flags(flags, Names.CacheFlags, "cache flags");
        f.Done();
        return cache;
    }

    private Irqchip ReadIrqchip(YamlNode node)
    {
        var f = nodes.Map(node, "an irqchip");
        var chip = new Irqchip
        {
            Address = nodes.Number(f.Required("address"), "irqchip address"),
            Origin = nodes.Where(node),
        };
        if (f.Optional("id") is { } id)
            chip.Id = (uint)nodes.Number(id, "irqchip id", uint.MaxValue);
        chip.PinBase = (uint)nodes.Number(f.Required("pin-base"), "pin-base", uint.MaxValue);
        if (f.Optional("pins") is { } pinsNode)
        {
            foreach (long pin in nodes.RangeList(pinsNode, "pins"))
            {
                long bit = pin - chip.PinBase;
                if (bit is < 0 or >= Irqchip.PinCount)
                    throw nodes.Error(pinsNode,
                        $"pin {pin} is outside the irqchip's 128 pins {chip.PinBase}..{(long)chip.PinBase + Irqchip.PinCount - 1} (set pin-base)");
                chip.PinBitmap[bit / 32] |= 1u << (int)(bit % 32);
            }
        }
        f.Done();
        return chip;
    }

    private PioRange ReadPio(YamlNode node)
    {
        var f = nodes.Map(node, "a PIO range");
        var pio = new PioRange
        {
            Base = (ushort)nodes.Number(f.Required("base"), "PIO base", ushort.MaxValue),
            Length = (ushort)nodes.Number(f.Required("length"), "PIO length", ushort.MaxValue),
            Origin = nodes.Where(node),
        };
        if (f.Optional("name") is { } name)
            pio.Name = nodes.Scalar(name, "PIO range name");
        f.Done();
        return pio;
    }

    private PciCapability ReadCapability(YamlNode node, NameIndex<PciCapability> names)
    {
        var f = nodes.Map(node, "a PCI capability");
        var cap = new PciCapability { Origin = nodes.Where(node) };
        if (f.Optional("name") is { } name)
            cap.Name = names.Define(name, cap);
        cap.Id = (ushort)nodes.Named(f.Required("id"), Names.PciCapabilityId, "capability id");
        cap.Start = (ushort)nodes.Number(f.Required("start"), "capability start", ushort.MaxValue);
        cap.Length = (ushort)nodes.Number(f.Required("length"), "capability length", ushort.MaxValue);
        if (f.Optional("flags") is { } flags)
            cap.Flags = (PciCapabilityFlags)nodes.Flags(flags, Names.PciCapabilityFlags, "capability flags");
        f.Done();
        return cap;
    }

    private PciDevice ReadPciDevice(YamlNode node, CellConfig cell, NameIndex<PciDevice> deviceNames,
        NameIndex<PciCapability> capNames, NameIndex<MemoryRegion> regionNames)
    {
        var f = nodes.Map(node, "a PCI device");
        var device = new PciDevice { Origin = nodes.Where(node) };
        if (f.Optional("name") is { } name)
            device.Name = deviceNames.Define(name, device);
        if (f.Optional("type") is { } type)
            device.Type = (PciDeviceType)nodes.Named(type, Names.PciDeviceType, "PCI device type");
        var bdfNode = f.Required("bdf");
        if (!BdfSyntax.TryParse(nodes.Scalar(bdfNode, "bdf"), out ushort domain, out ushort bdf, out string error))
            throw nodes.Error(bdfNode, $"bdf: {error}");
        device.Domain = domain;
        device.Bdf = bdf;
        if (f.Optional("iommu") is { } iommu)
            device.Iommu = (byte)nodes.Number(iommu, "iommu", byte.MaxValue);
        if (f.Optional("bar-mask") is { } barMask)
        {
            var masks = nodes.List(barMask, "bar-mask");
            if (masks.Count != 6)
                throw nodes.Error(barMask, $"bar-mask: expected 6 values (one per BAR), found {masks.Count}");
            for (int i = 0; i < 6; i++)
                device.BarMask[i] = (uint)nodes.Number(masks[i], "bar-mask", uint.MaxValue);
        }
        if (f.Optional("caps") is { } caps)
            foreach (var item in nodes.List(caps, "caps"))
                device.Capabilities.Add(capNames.Resolve(item));
        if (f.Optional("msi") is { } msiNode)
        {
            var msi = nodes.Map(msiNode, "msi");
            device.NumMsiVectors = (byte)nodes.Number(msi.Required("vectors"), "msi vectors", byte.MaxValue);
            if (msi.Optional("64bit") is { } b64)
                device.Msi64Bits = nodes.Bool(b64, "msi 64bit");
            if (msi.Optional("maskable") is { } maskable)
                device.MsiMaskable = nodes.Bool(maskable, "msi maskable");
            msi.Done();
        }
        if (f.Optional("msix") is { } msixNode)
        {
            var msix = nodes.Map(msixNode, "msix");
            device.NumMsixVectors = (ushort)nodes.Number(msix.Required("vectors"), "msix vectors", ushort.MaxValue);
            if (msix.Optional("region-size") is { } size)
                device.MsixRegionSize = (ushort)nodes.Size(size, "msix region-size", ushort.MaxValue);
            if (msix.Optional("address") is { } address)
                device.MsixAddress = nodes.Number(address, "msix address");
            msix.Done();
        }
        if (f.Optional("shmem") is { } shmemNode)
        {
            var shmem = nodes.Map(shmemNode, "shmem");
            var regions = shmem.Required("regions");
            device.ShmemPeers = (byte)nodes.Number(shmem.Required("peers"), "shmem peers", byte.MaxValue);
            if (shmem.Optional("dev-id") is { } devId)
                device.ShmemDevId = (byte)nodes.Number(devId, "shmem dev-id", byte.MaxValue);
            if (shmem.Optional("protocol") is { } protocol)
                device.ShmemProtocol = (ushort)nodes.Named(protocol, Names.ShmemProtocol, "shmem protocol");
            shmem.Done();
            if (device.Type != PciDeviceType.Ivshmem)
                throw nodes.Error(shmemNode, "shmem belongs to PCI devices of type ivshmem");
            int count = PciDevice.IvshmemRegionCount(device.ShmemPeers);
            if (regions is YamlSequenceNode)
            {
                foreach (var item in nodes.List(regions, "shmem regions"))
                    device.ShmemRegions.Add(regionNames.Resolve(item));
                if (device.ShmemRegions.Count != count)
                    throw nodes.Error(regions,
                        $"shmem regions: {device.ShmemPeers} peers need {count} regions (state table, read/write section, one output section per peer), found {device.ShmemRegions.Count}");
            }
            else
            {
                // The first region's name: the device uses it and the ones that follow.
                var first = regionNames.Resolve(regions);
                int start = cell.MemoryRegions.IndexOf(first);
                if (start + count > cell.MemoryRegions.Count)
                    throw nodes.Error(regions,
                        $"shmem regions: {device.ShmemPeers} peers need {count} regions from \"{first.Name}\" on, the cell has {cell.MemoryRegions.Count - start}");
                device.ShmemRegions = cell.MemoryRegions.GetRange(start, count);
            }
        }
        else if (device.Type == PciDeviceType.Ivshmem)
        {
            throw nodes.Error(node, "missing required field \"shmem\" in an ivshmem PCI device");
        }
        f.Done();
        ExpectConsecutive(device.Capabilities, cell.PciCapabilities, caps: true, f);
        ExpectConsecutive(device.ShmemRegions, cell.MemoryRegions, caps: false, f);
        return device;
    }

    /// <summary>The binary format addresses a device's capabilities and shared-memory regions as one run of indices.</summary>
    private void ExpectConsecutive<T>(List<T> run, List<T> all, bool caps, Fields device) where T : class
    {
        if (run.Count < 2)
            return;
        int start = all.IndexOf(run[0]);
        for (int i = 1; i < run.Count; i++)
        {
            if (start + i < all.Count && ReferenceEquals(all[start + i], run[i]))
                continue;
            var node = caps ? device.Optional("caps") : device.Optional("shmem");
            string list = caps ? "pci-caps" : "memory";
            throw nodes.Error(node ?? device.Node,
                $"{(caps ? "caps" : "shmem regions")}: entries must follow each other in \"{list}\" in the order listed here (entry {i + 1} is not the one after entry {i} there)");
        }
    }
}

/// <summary>Names of one kind of entry within a cell: unique, and resolvable from references.</summary>
internal sealed class NameIndex<T>(YamlNodes nodes, string what) where T : class
{
    private readonly Dictionary<string, (T Entry, YamlNode Node)> byName = new(StringComparer.Ordinal);

    public string Define(YamlNode nameNode, T entry)
    {
        string name = nodes.Scalar(nameNode, $"{what} name");
        if (name.Length == 0)
            throw nodes.Error(nameNode, $"{what} name must not be empty");
        if (byName.TryGetValue(name, out var first))
            throw nodes.Error(nameNode, $"duplicate {what} name \"{name}\" (first defined at line {first.Node.Start.Line})");
        byName[name] = (entry, nameNode);
        return name;
    }

    public T Resolve(YamlNode reference)
    {
        string name = nodes.Scalar(reference, $"a {what} name");
        if (byName.TryGetValue(name, out var found))
            return found.Entry;
        string known = byName.Count == 0 ? "none is named" : "named ones: " + string.Join(", ", byName.Keys);
        throw nodes.Error(reference, $"unknown {what} \"{name}\" ({known})");
    }
}
