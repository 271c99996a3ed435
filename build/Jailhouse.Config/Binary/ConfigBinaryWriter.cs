using System.Buffers.Binary;
using System.Text;
using Jailhouse.Config.Model;
using static Jailhouse.Config.Binary.BinaryLayout;

namespace Jailhouse.Config.Binary;

/// <summary>
/// Encodes a configuration to the exact bytes upstream Jailhouse's C configurations compile to.
/// Array indices (caps_start, num_caps, shmem_regions_start) are derived here from the references the
/// model holds; a model that cannot be encoded throws <see cref="InputException"/> at the entry's origin.
/// </summary>
public static class ConfigBinaryWriter
{
    public static byte[] Write(JailhouseConfig config, string file = "<config>")
    {
        var cell = config.Cell;
        int cellOffset = config.IsSystem ? SystemHeaderSize : 0;
        long size = cellOffset + CellSize(cell);
        var data = new byte[size];
        var span = data.AsSpan();

        if (config.System is { } system)
        {
            Encoding.ASCII.GetBytes(SystemSignature, span);
            WriteSystem(span, config.Architecture, system, file);
        }
        else
        {
            Encoding.ASCII.GetBytes(CellSignature, span);
        }
        span[ArchitectureOffset] = (byte)config.Architecture;
        BinaryPrimitives.WriteUInt16LittleEndian(span[RevisionOffset..], JailhouseConfig.Revision);
        WriteCell(span[cellOffset..], cell, file);
        return data;
    }

    private static long CellSize(CellConfig cell) =>
        CellDescSize + (long)cell.CpuSetSize
        + (long)cell.MemoryRegions.Count * MemoryRegionSize
        + (long)cell.CacheRegions.Count * CacheRegionSize
        + (long)cell.Irqchips.Count * IrqchipSize
        + (long)cell.PioRanges.Count * PioRangeSize
        + (long)cell.PciDevices.Count * PciDeviceSize
        + (long)cell.PciCapabilities.Count * PciCapabilitySize
        + (long)cell.StreamIds.Count * StreamIdSize;

    private static InputException Error(SourceLocation? origin, string file, string message) =>
        new(origin ?? new SourceLocation(file, 0, 0), message);

    private static void WriteSystem(Span<byte> d, Architecture arch, SystemConfig system, string file)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(d[SysFlags..], (uint)system.Flags);
        WriteMemory(d[SysHypervisorMemory..], system.HypervisorMemory);
        WriteConsole(d[SysDebugConsole..], system.DebugConsole);
        var platform = system.Platform;
        BinaryPrimitives.WriteUInt64LittleEndian(d[SysPciMmconfigBase..], platform.PciMmconfigBase);
        d[SysPciMmconfigEndBus] = platform.PciMmconfigEndBus;
        d[SysPciIsVirtual] = platform.PciIsVirtual;
        BinaryPrimitives.WriteUInt16LittleEndian(d[SysPciDomain..], platform.PciDomain);

        if (platform.IommuUnits.Count > MaxIommuUnits)
            throw Error(platform.IommuUnits[MaxIommuUnits].Origin, file,
                $"at most {MaxIommuUnits} IOMMU units fit in a system configuration, found {platform.IommuUnits.Count}");
        for (int i = 0; i < platform.IommuUnits.Count; i++)
            WriteIommu(d[(SysIommuUnits + i * IommuUnitSize)..], platform.IommuUnits[i]);

        var u = d[SysPlatformUnion..];
        if (arch == Architecture.X86)
        {
            if (platform.Arm is not null)
                throw Error(null, file, "an x86 system configuration cannot carry ARM platform information");
            var x86 = platform.X86 ?? new X86Platform();
            BinaryPrimitives.WriteUInt16LittleEndian(u[X86PmTimerAddress..], x86.PmTimerAddress);
            u[X86ApicMode] = (byte)x86.ApicMode;
            BinaryPrimitives.WriteUInt32LittleEndian(u[X86VtdInterruptLimit..], x86.VtdInterruptLimit);
            BinaryPrimitives.WriteUInt32LittleEndian(u[X86TscKhz..], x86.TscKhz);
            BinaryPrimitives.WriteUInt32LittleEndian(u[X86ApicKhz..], x86.ApicKhz);
        }
        else
        {
            if (platform.X86 is not null)
                throw Error(null, file, "an ARM system configuration cannot carry x86 platform information");
            var arm = platform.Arm ?? new ArmPlatform();
            u[ArmMaintenanceIrq] = arm.MaintenanceIrq;
            u[ArmGicVersion] = arm.GicVersion;
            BinaryPrimitives.WriteUInt64LittleEndian(u[ArmGicdBase..], arm.GicdBase);
            BinaryPrimitives.WriteUInt64LittleEndian(u[ArmGiccBase..], arm.GiccBase);
            BinaryPrimitives.WriteUInt64LittleEndian(u[ArmGichBase..], arm.GichBase);
            BinaryPrimitives.WriteUInt64LittleEndian(u[ArmGicvBase..], arm.GicvBase);
            BinaryPrimitives.WriteUInt64LittleEndian(u[ArmGicrBase..], arm.GicrBase);
        }
    }

    private static void WriteIommu(Span<byte> d, IommuUnit unit)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(d, (uint)unit.Type);
        BinaryPrimitives.WriteUInt64LittleEndian(d[4..], unit.Base);
        BinaryPrimitives.WriteUInt32LittleEndian(d[12..], unit.Size);
        var union = d[16..];
        if (unit.Type == IommuType.Amd)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(union, unit.AmdBdf);
            union[2] = unit.AmdBaseCap;
            union[3] = unit.AmdMsiCap;
            BinaryPrimitives.WriteUInt32LittleEndian(union[4..], unit.AmdFeatures);
        }
        else if (unit.Type == IommuType.TiPvu)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(union, unit.TlbBase);
            BinaryPrimitives.WriteUInt32LittleEndian(union[8..], unit.TlbSize);
        }
    }

    private static void WriteConsole(Span<byte> d, ConsoleConfig console)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(d[ConsoleAddress..], console.Address);
        BinaryPrimitives.WriteUInt32LittleEndian(d[ConsoleSizeField..], console.Size);
        BinaryPrimitives.WriteUInt16LittleEndian(d[ConsoleTypeField..], (ushort)console.Type);
        BinaryPrimitives.WriteUInt16LittleEndian(d[ConsoleFlagsField..], (ushort)console.Flags);
        BinaryPrimitives.WriteUInt32LittleEndian(d[ConsoleDivider..], console.Divider);
        BinaryPrimitives.WriteUInt32LittleEndian(d[ConsoleGateNr..], console.GateNr);
        BinaryPrimitives.WriteUInt64LittleEndian(d[ConsoleClockReg..], console.ClockReg);
    }

    private static void WriteMemory(Span<byte> d, MemoryRegion region)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(d[MemoryPhysStart..], region.PhysStart);
        BinaryPrimitives.WriteUInt64LittleEndian(d[MemoryVirtStart..], region.VirtStart);
        BinaryPrimitives.WriteUInt64LittleEndian(d[MemorySizeField..], region.Size);
        BinaryPrimitives.WriteUInt64LittleEndian(d[MemoryFlagsField..], (ulong)region.Flags);
    }

    private static void WriteCell(Span<byte> d, CellConfig cell, string file)
    {
        int nameLength = Encoding.UTF8.GetByteCount(cell.Name);
        if (nameLength > CellConfig.NameMaxLength)
            throw Error(cell.Origin, file, $"cell name \"{cell.Name}\" is {nameLength} bytes long, at most {CellConfig.NameMaxLength} fit");
        Encoding.UTF8.GetBytes(cell.Name, d[CellName..]);
        BinaryPrimitives.WriteUInt32LittleEndian(d[CellId..], cell.Id);
        BinaryPrimitives.WriteUInt32LittleEndian(d[CellFlagsField..], (uint)cell.Flags);
        BinaryPrimitives.WriteUInt32LittleEndian(d[CellCpuSetSize..], cell.CpuSetSize);
        BinaryPrimitives.WriteUInt32LittleEndian(d[CellNumMemoryRegions..], (uint)cell.MemoryRegions.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(d[CellNumCacheRegions..], (uint)cell.CacheRegions.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(d[CellNumIrqchips..], (uint)cell.Irqchips.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(d[CellNumPioRegions..], (uint)cell.PioRanges.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(d[CellNumPciDevices..], (uint)cell.PciDevices.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(d[CellNumPciCaps..], (uint)cell.PciCapabilities.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(d[CellNumStreamIds..], (uint)cell.StreamIds.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(d[CellVpciIrqBase..], cell.VpciIrqBase);
        BinaryPrimitives.WriteUInt64LittleEndian(d[CellCpuResetAddress..], cell.CpuResetAddress);
        BinaryPrimitives.WriteUInt64LittleEndian(d[CellMsgReplyTimeout..], cell.MsgReplyTimeout);
        WriteConsole(d[CellConsole..], cell.Console);

        var rest = d[CellDescSize..];
        foreach (int cpu in cell.Cpus)
        {
            if (cpu < 0 || cpu >= (long)cell.CpuSetSize * 8)
                throw Error(cell.Origin, file,
                    $"CPU {cpu} of cell \"{cell.Name}\" does not fit a CPU set of {cell.CpuSetSize} bytes (CPUs 0..{(long)cell.CpuSetSize * 8 - 1})");
            rest[cpu / 8] |= (byte)(1 << (cpu % 8));
        }
        rest = rest[(int)cell.CpuSetSize..];

        foreach (var region in cell.MemoryRegions)
        {
            WriteMemory(rest, region);
            rest = rest[MemoryRegionSize..];
        }
        foreach (var cache in cell.CacheRegions)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(rest, cache.Start);
            BinaryPrimitives.WriteUInt32LittleEndian(rest[4..], cache.Size);
            rest[8] = (byte)cache.Type;
            BinaryPrimitives.WriteUInt16LittleEndian(rest[10..], (ushort)cache.Flags);
            rest = rest[CacheRegionSize..];
        }
        foreach (var chip in cell.Irqchips)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(rest[IrqchipAddress..], chip.Address);
            BinaryPrimitives.WriteUInt32LittleEndian(rest[IrqchipId..], chip.Id);
            BinaryPrimitives.WriteUInt32LittleEndian(rest[IrqchipPinBase..], chip.PinBase);
            for (int w = 0; w < IrqchipPinBitmapWords; w++)
                BinaryPrimitives.WriteUInt32LittleEndian(rest[(IrqchipPinBitmap + w * 4)..], chip.PinBitmap[w]);
            rest = rest[IrqchipSize..];
        }
        foreach (var pio in cell.PioRanges)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(rest, pio.Base);
            BinaryPrimitives.WriteUInt16LittleEndian(rest[2..], pio.Length);
            rest = rest[PioRangeSize..];
        }
        foreach (var device in cell.PciDevices)
        {
            WritePciDevice(rest, cell, device, file);
            rest = rest[PciDeviceSize..];
        }
        foreach (var cap in cell.PciCapabilities)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(rest, cap.Id);
            BinaryPrimitives.WriteUInt16LittleEndian(rest[2..], cap.Start);
            BinaryPrimitives.WriteUInt16LittleEndian(rest[4..], cap.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(rest[6..], (ushort)cap.Flags);
            rest = rest[PciCapabilitySize..];
        }
        foreach (uint id in cell.StreamIds)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(rest, id);
            rest = rest[StreamIdSize..];
        }
    }

    private static void WritePciDevice(Span<byte> d, CellConfig cell, PciDevice device, string file)
    {
        d[PciType] = (byte)device.Type;
        d[PciIommu] = device.Iommu;
        BinaryPrimitives.WriteUInt16LittleEndian(d[PciDomain..], device.Domain);
        BinaryPrimitives.WriteUInt16LittleEndian(d[PciBdf..], device.Bdf);
        for (int b = 0; b < 6; b++)
            BinaryPrimitives.WriteUInt32LittleEndian(d[(PciBarMask + b * 4)..], device.BarMask[b]);

        int capsStart = ConsecutiveRun(cell.PciCapabilities, device.Capabilities, device, file, "capabilities", "PCI capabilities");
        if (capsStart > ushort.MaxValue || device.Capabilities.Count > ushort.MaxValue)
            throw Error(device.Origin, file, $"PCI device {DeviceLabel(device)}: capability index {capsStart} does not fit 16 bits");
        BinaryPrimitives.WriteUInt16LittleEndian(d[PciCapsStart..], (ushort)capsStart);
        BinaryPrimitives.WriteUInt16LittleEndian(d[PciNumCaps..], (ushort)device.Capabilities.Count);

        d[PciNumMsiVectors] = device.NumMsiVectors;
        d[PciMsiBits] = (byte)((device.Msi64Bits ? PciMsi64Bits : 0) | (device.MsiMaskable ? PciMsiMaskable : 0));
        BinaryPrimitives.WriteUInt16LittleEndian(d[PciNumMsixVectors..], device.NumMsixVectors);
        BinaryPrimitives.WriteUInt16LittleEndian(d[PciMsixRegionSize..], device.MsixRegionSize);
        BinaryPrimitives.WriteUInt64LittleEndian(d[PciMsixAddress..], device.MsixAddress);

        if (device.ShmemRegions.Count > 0 && device.Type != PciDeviceType.Ivshmem)
            throw Error(device.Origin, file, $"PCI device {DeviceLabel(device)}: only ivshmem devices have shared-memory regions");
        if (device.Type == PciDeviceType.Ivshmem)
        {
            int expected = PciDevice.IvshmemRegionCount(device.ShmemPeers);
            if (device.ShmemRegions.Count != expected)
                throw Error(device.Origin, file,
                    $"PCI device {DeviceLabel(device)}: an ivshmem device with {device.ShmemPeers} peers needs {expected} shared-memory regions (state table, read/write section, one output section per peer), found {device.ShmemRegions.Count}");
        }
        int shmemStart = ConsecutiveRun(cell.MemoryRegions, device.ShmemRegions, device, file, "shared-memory regions", "memory regions");
        BinaryPrimitives.WriteUInt32LittleEndian(d[PciShmemRegionsStart..], (uint)shmemStart);
        d[PciShmemDevId] = device.ShmemDevId;
        d[PciShmemPeers] = device.ShmemPeers;
        BinaryPrimitives.WriteUInt16LittleEndian(d[PciShmemProtocol..], device.ShmemProtocol);
    }

    /// <summary>The index of <paramref name="run"/> in <paramref name="all"/>, which must hold it as consecutive entries in order.</summary>
    private static int ConsecutiveRun<T>(List<T> all, List<T> run, PciDevice device, string file, string what, string listName)
        where T : class
    {
        if (run.Count == 0)
            return 0;
        int start = all.FindIndex(e => ReferenceEquals(e, run[0]));
        if (start < 0)
            throw Error(device.Origin, file, $"PCI device {DeviceLabel(device)}: its {what} are not in the cell's {listName}");
        for (int i = 1; i < run.Count; i++)
            if (start + i >= all.Count || !ReferenceEquals(all[start + i], run[i]))
                throw Error(device.Origin, file,
                    $"PCI device {DeviceLabel(device)}: its {what} must be consecutive entries of the cell's {listName}, in the same order (entry {i + 1} is not the one after entry {i})");
        return start;
    }

    private static string DeviceLabel(PciDevice device) =>
        device.Name ?? $"{device.Domain:x4}:{device.Bus:x2}:{device.Device:x2}.{device.Function}";
}
