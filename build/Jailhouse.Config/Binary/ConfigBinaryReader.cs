using System.Buffers.Binary;
using System.Text;
using Jailhouse.Config.Model;
using static Jailhouse.Config.Binary.BinaryLayout;

namespace Jailhouse.Config.Binary;

/// <summary>
/// Decodes a binary system (JHSYS) or cell (JHCLL) configuration of revision 14. Structural errors
/// throw <see cref="InputException"/> naming the byte offset and what was expected; bytes the model
/// cannot keep (trailing data, non-zero padding) become warnings.
/// </summary>
public sealed class ConfigBinaryReader
{
    private readonly byte[] data;
    private readonly string file;
    private readonly List<ConfigWarning> warnings = [];
    private readonly bool tolerateBadIndices;

    private ConfigBinaryReader(byte[] data, string file, bool tolerateBadIndices)
    {
        this.data = data;
        this.file = file;
        this.tolerateBadIndices = tolerateBadIndices;
    }

    public static JailhouseConfig Read(byte[] data, string file, out IReadOnlyList<ConfigWarning> warnings) =>
        Read(data, file, out warnings, tolerateBadIndices: false);

    /// <summary>
    /// With <paramref name="tolerateBadIndices"/>, PCI capability and shared-memory index ranges
    /// beyond the cell's arrays become warnings (the device keeps the part in range) instead of
    /// errors, so the configuration checker can report them next to everything else.
    /// </summary>
    public static JailhouseConfig Read(byte[] data, string file, out IReadOnlyList<ConfigWarning> warnings, bool tolerateBadIndices)
    {
        var reader = new ConfigBinaryReader(data, file, tolerateBadIndices);
        var config = reader.ReadConfig();
        warnings = reader.warnings;
        return config;
    }

    public static JailhouseConfig ReadFile(string path, out IReadOnlyList<ConfigWarning> warnings) =>
        Read(InputFiles.Read(path, InputLimit.Configuration), path, out warnings);

    /// <summary>True if the bytes start with a Jailhouse configuration signature.</summary>
    public static bool HasSignature(ReadOnlySpan<byte> bytes) =>
        bytes.Length >= SignatureLength &&
        (bytes[..SignatureLength].SequenceEqual(SystemSignatureBytes) || bytes[..SignatureLength].SequenceEqual(CellSignatureBytes));

    private static readonly byte[] SystemSignatureBytes = Encoding.ASCII.GetBytes(SystemSignature);
    private static readonly byte[] CellSignatureBytes = Encoding.ASCII.GetBytes(CellSignature);

    private InputException Error(long offset, string message) => new(SourceLocation.AtByte(file, offset), message);

    private void Warn(long offset, string message, ReaderWarningKind kind = ReaderWarningKind.Other) =>
        warnings.Add(new ConfigWarning(SourceLocation.AtByte(file, offset), message, kind));

    private ReadOnlySpan<byte> At(int offset, int length) => data.AsSpan(offset, length);
    private byte U8(int offset) => data[offset];
    private ushort U16(int offset) => BinaryPrimitives.ReadUInt16LittleEndian(At(offset, 2));
    private uint U32(int offset) => BinaryPrimitives.ReadUInt32LittleEndian(At(offset, 4));
    private ulong U64(int offset) => BinaryPrimitives.ReadUInt64LittleEndian(At(offset, 8));

    private void Need(long end, string what)
    {
        if (end > data.Length)
            throw Error(data.Length, $"file truncated: {what} needs {end} bytes, file has {data.Length}");
    }

    private void ExpectZero(int offset, int length, string what)
    {
        var span = At(offset, length);
        int first = span.IndexOfAnyExcept((byte)0);
        if (first >= 0)
            Warn(offset + first, $"non-zero {what} ignored (not part of the configuration; it is written back as zero)");
    }

    private JailhouseConfig ReadConfig()
    {
        Need(PrefixSize, "the signature, architecture and revision");
        var signature = At(0, SignatureLength);
        bool isSystem;
        if (signature.SequenceEqual(SystemSignatureBytes))
            isSystem = true;
        else if (signature.SequenceEqual(CellSignatureBytes))
            isSystem = false;
        else
            throw Error(0, $"expected signature \"{SystemSignature}\" (system) or \"{CellSignature}\" (cell), found \"{Printable(signature)}\"");

        byte arch = U8(ArchitectureOffset);
        if (arch > (byte)Architecture.Arm64)
            throw Error(ArchitectureOffset, $"expected architecture 0 (x86), 1 (arm) or 2 (arm64), found {arch}");
        ushort revision = U16(RevisionOffset);
        if (revision != JailhouseConfig.Revision)
            throw Error(RevisionOffset, $"expected configuration revision {JailhouseConfig.Revision}, found {revision}");

        var config = new JailhouseConfig { Architecture = (Architecture)arch };
        int cellOffset = 0;
        if (isSystem)
        {
            Need(SystemHeaderSize + CellDescSize, "the system header with its root cell descriptor");
            config.System = ReadSystem(config.Architecture);
            cellOffset = SystemHeaderSize;
            // The root cell is embedded: upstream leaves its signature, architecture and revision zero.
            ExpectZero(cellOffset, PrefixSize, "root cell signature/architecture/revision");
        }
        else
        {
            Need(CellDescSize, "the cell descriptor");
        }

        int end = ReadCell(config.Cell, cellOffset);
        if (end < data.Length)
            Warn(end, $"{data.Length - end} bytes beyond the declared contents (the header's counts end at 0x{end:x})", ReaderWarningKind.TrailingBytes);
        return config;
    }

    private SystemConfig ReadSystem(Architecture arch)
    {
        var system = new SystemConfig
        {
            Flags = (SystemFlags)U32(SysFlags),
            HypervisorMemory = ReadMemory(SysHypervisorMemory),
            DebugConsole = ReadConsole(SysDebugConsole),
        };
        var platform = system.Platform;
        platform.PciMmconfigBase = U64(SysPciMmconfigBase);
        platform.PciMmconfigEndBus = U8(SysPciMmconfigEndBus);
        platform.PciIsVirtual = U8(SysPciIsVirtual);
        platform.PciDomain = U16(SysPciDomain);

        var units = new List<IommuUnit>();
        for (int i = 0; i < MaxIommuUnits; i++)
            units.Add(ReadIommu(SysIommuUnits + i * IommuUnitSize));
        // Keep the units up to the last used slot; the writer pads the array again.
        int used = units.FindLastIndex(u => !u.IsEmpty) + 1;
        platform.IommuUnits = units.GetRange(0, used);

        int u0 = SysPlatformUnion;
        if (arch == Architecture.X86)
        {
            platform.X86 = new X86Platform
            {
                PmTimerAddress = U16(u0 + X86PmTimerAddress),
                ApicMode = (ApicMode)U8(u0 + X86ApicMode),
                VtdInterruptLimit = U32(u0 + X86VtdInterruptLimit),
                TscKhz = U32(u0 + X86TscKhz),
                ApicKhz = U32(u0 + X86ApicKhz),
            };
            ExpectZero(u0 + X86ApicMode + 1, X86VtdInterruptLimit - X86ApicMode - 1, "x86 platform padding");
            ExpectZero(u0 + X86PlatformSize, PlatformUnionSize - X86PlatformSize, "bytes after the x86 platform information");
        }
        else
        {
            platform.Arm = new ArmPlatform
            {
                MaintenanceIrq = U8(u0 + ArmMaintenanceIrq),
                GicVersion = U8(u0 + ArmGicVersion),
                GicdBase = U64(u0 + ArmGicdBase),
                GiccBase = U64(u0 + ArmGiccBase),
                GichBase = U64(u0 + ArmGichBase),
                GicvBase = U64(u0 + ArmGicvBase),
                GicrBase = U64(u0 + ArmGicrBase),
            };
            ExpectZero(u0 + ArmGicVersion + 1, ArmGicdBase - ArmGicVersion - 1, "ARM platform padding");
        }
        return system;
    }

    private IommuUnit ReadIommu(int offset)
    {
        var unit = new IommuUnit
        {
            Type = (IommuType)U32(offset),
            Base = U64(offset + 4),
            Size = U32(offset + 12),
            Origin = SourceLocation.AtByte(file, offset),
        };
        int union = offset + 16;
        switch (unit.Type)
        {
            case IommuType.Amd:
                unit.AmdBdf = U16(union);
                unit.AmdBaseCap = U8(union + 2);
                unit.AmdMsiCap = U8(union + 3);
                unit.AmdFeatures = U32(union + 4);
                ExpectZero(union + 8, 4, "bytes after the AMD IOMMU fields");
                break;
            case IommuType.TiPvu:
                unit.TlbBase = U64(union);
                unit.TlbSize = U32(union + 8);
                break;
            default:
                ExpectZero(union, 12, $"AMD/PVU fields of an IOMMU unit of type {(uint)unit.Type}");
                break;
        }
        return unit;
    }

    private ConsoleConfig ReadConsole(int offset) => new()
    {
        Address = U64(offset + ConsoleAddress),
        Size = U32(offset + ConsoleSizeField),
        Type = (ConsoleType)U16(offset + ConsoleTypeField),
        Flags = (ConsoleFlags)U16(offset + ConsoleFlagsField),
        Divider = U32(offset + ConsoleDivider),
        GateNr = U32(offset + ConsoleGateNr),
        ClockReg = U64(offset + ConsoleClockReg),
        Origin = SourceLocation.AtByte(file, offset),
    };

    private MemoryRegion ReadMemory(int offset) => new()
    {
        PhysStart = U64(offset + MemoryPhysStart),
        VirtStart = U64(offset + MemoryVirtStart),
        Size = U64(offset + MemorySizeField),
        Flags = (MemoryFlags)U64(offset + MemoryFlagsField),
        Origin = SourceLocation.AtByte(file, offset),
    };

    private string ReadName(int offset)
    {
        var raw = At(offset, CellNameSize);
        int nul = raw.IndexOf((byte)0);
        if (nul < 0)
            throw Error(offset, $"expected a NUL-terminated cell name of at most {CellConfig.NameMaxLength} bytes");
        ExpectZero(offset + nul + 1, CellNameSize - nul - 1, "bytes after the cell name's terminating NUL");
        try
        {
            return new UTF8Encoding(false, true).GetString(raw[..nul]);
        }
        catch (DecoderFallbackException)
        {
            throw Error(offset, "expected the cell name in UTF-8");
        }
    }

    /// <summary>Reads the cell descriptor at <paramref name="offset"/> and its arrays; returns the end offset.</summary>
    private int ReadCell(CellConfig cell, int offset)
    {
        cell.Name = ReadName(offset + CellName);
        cell.Id = U32(offset + CellId);
        cell.Flags = (CellFlags)U32(offset + CellFlagsField);
        cell.CpuSetSize = U32(offset + CellCpuSetSize);
        cell.VpciIrqBase = U32(offset + CellVpciIrqBase);
        cell.CpuResetAddress = U64(offset + CellCpuResetAddress);
        cell.MsgReplyTimeout = U64(offset + CellMsgReplyTimeout);
        cell.Console = ReadConsole(offset + CellConsole);
        cell.Origin = SourceLocation.AtByte(file, offset);

        // Lay the arrays out in 64-bit arithmetic so absurd counts cannot wrap.
        long position = offset + CellDescSize;
        (long Start, uint Count) Array(int countField, int elementSize, string what)
        {
            uint count = U32(offset + countField);
            long start = position;
            long end = start + (long)count * elementSize;
            if (end > data.Length)
                throw Error(offset + countField,
                    $"{what} count {count} needs bytes 0x{start:x}..0x{end:x}, but the file ends at 0x{data.Length:x}");
            position = end;
            return (start, count);
        }

        var cpuSet = Array(CellCpuSetSize, 1, "CPU set size");
        var memory = Array(CellNumMemoryRegions, MemoryRegionSize, "memory region");
        var caches = Array(CellNumCacheRegions, CacheRegionSize, "cache region");
        var irqchips = Array(CellNumIrqchips, IrqchipSize, "irqchip");
        var pio = Array(CellNumPioRegions, PioRangeSize, "PIO range");
        var pci = Array(CellNumPciDevices, PciDeviceSize, "PCI device");
        var caps = Array(CellNumPciCaps, PciCapabilitySize, "PCI capability");
        var streamIds = Array(CellNumStreamIds, StreamIdSize, "stream ID");

        cell.Cpus = [];
        cell.CpusOrigin = SourceLocation.AtByte(file, cpuSet.Start);
        for (int i = 0; i < cpuSet.Count; i++)
        {
            byte b = U8((int)cpuSet.Start + i);
            for (int bit = 0; bit < 8; bit++)
                if ((b & (1 << bit)) != 0)
                    cell.Cpus.Add(i * 8 + bit);
        }

        for (int i = 0; i < memory.Count; i++)
            cell.MemoryRegions.Add(ReadMemory((int)memory.Start + i * MemoryRegionSize));

        for (int i = 0; i < caches.Count; i++)
        {
            int o = (int)caches.Start + i * CacheRegionSize;
            cell.CacheRegions.Add(new CacheRegion
            {
                Start = U32(o),
                Size = U32(o + 4),
                Type = (CacheType)U8(o + 8),
                Flags = (CacheFlags)U16(o + 10),
                Origin = SourceLocation.AtByte(file, o),
            });
            ExpectZero(o + 9, 1, "cache region padding");
        }

        for (int i = 0; i < irqchips.Count; i++)
        {
            int o = (int)irqchips.Start + i * IrqchipSize;
            var chip = new Irqchip { Address = U64(o + IrqchipAddress), Id = U32(o + IrqchipId), PinBase = U32(o + IrqchipPinBase), Origin = SourceLocation.AtByte(file, o) };
            for (int w = 0; w < IrqchipPinBitmapWords; w++)
                chip.PinBitmap[w] = U32(o + IrqchipPinBitmap + w * 4);
            cell.Irqchips.Add(chip);
        }

        for (int i = 0; i < pio.Count; i++)
        {
            int o = (int)pio.Start + i * PioRangeSize;
            cell.PioRanges.Add(new PioRange { Base = U16(o), Length = U16(o + 2), Origin = SourceLocation.AtByte(file, o) });
        }

        for (int i = 0; i < caps.Count; i++)
        {
            int o = (int)caps.Start + i * PciCapabilitySize;
            cell.PciCapabilities.Add(new PciCapability
            {
                Id = U16(o),
                Start = U16(o + 2),
                Length = U16(o + 4),
                Flags = (PciCapabilityFlags)U16(o + 6),
                Origin = SourceLocation.AtByte(file, o),
            });
        }

        for (int i = 0; i < pci.Count; i++)
            cell.PciDevices.Add(ReadPciDevice(cell, (int)pci.Start + i * PciDeviceSize, i));

        for (int i = 0; i < streamIds.Count; i++)
            cell.StreamIds.Add(U32((int)streamIds.Start + i * StreamIdSize));

        return (int)position;
    }

    private PciDevice ReadPciDevice(CellConfig cell, int o, int index)
    {
        var device = new PciDevice
        {
            Type = (PciDeviceType)U8(o + PciType),
            Iommu = U8(o + PciIommu),
            Domain = U16(o + PciDomain),
            Bdf = U16(o + PciBdf),
            NumMsiVectors = U8(o + PciNumMsiVectors),
            NumMsixVectors = U16(o + PciNumMsixVectors),
            MsixRegionSize = U16(o + PciMsixRegionSize),
            MsixAddress = U64(o + PciMsixAddress),
            ShmemDevId = U8(o + PciShmemDevId),
            ShmemPeers = U8(o + PciShmemPeers),
            ShmemProtocol = U16(o + PciShmemProtocol),
            Origin = SourceLocation.AtByte(file, o),
        };
        for (int b = 0; b < 6; b++)
            device.BarMask[b] = U32(o + PciBarMask + b * 4);

        byte bits = U8(o + PciMsiBits);
        device.Msi64Bits = (bits & PciMsi64Bits) != 0;
        device.MsiMaskable = (bits & PciMsiMaskable) != 0;
        if ((bits & ~(PciMsi64Bits | PciMsiMaskable)) != 0)
            Warn(o + PciMsiBits, $"PCI device {index}: unused MSI bit-field bits 0x{bits & 0xfc:x2} ignored");

        ushort capsStart = U16(o + PciCapsStart);
        ushort numCaps = U16(o + PciNumCaps);
        if (capsStart + numCaps > cell.PciCapabilities.Count)
        {
            string message = $"PCI device {index}: capabilities {capsStart}..{capsStart + numCaps - 1} are out of range: the cell has {cell.PciCapabilities.Count}";
            if (!tolerateBadIndices)
                throw Error(o + PciCapsStart, message);
            Warn(o + PciCapsStart, message, ReaderWarningKind.CapabilitiesOutOfRange);
            int inRange = Math.Max(0, cell.PciCapabilities.Count - capsStart);
            numCaps = (ushort)Math.Min(numCaps, inRange);
            capsStart = (ushort)Math.Min(capsStart, cell.PciCapabilities.Count);
        }
        if (numCaps == 0 && capsStart != 0)
            Warn(o + PciCapsStart, $"PCI device {index}: caps_start {capsStart} with no capabilities ignored");
        device.Capabilities = cell.PciCapabilities.GetRange(capsStart, numCaps);

        uint shmemStart = U32(o + PciShmemRegionsStart);
        if (device.Type == PciDeviceType.Ivshmem)
        {
            long count = PciDevice.IvshmemRegionCount(device.ShmemPeers);
            if (shmemStart + count > cell.MemoryRegions.Count)
            {
                string message = $"PCI device {index}: an ivshmem device with {device.ShmemPeers} peers needs memory regions {shmemStart}..{shmemStart + count - 1}, the cell has {cell.MemoryRegions.Count}";
                if (!tolerateBadIndices)
                    throw Error(o + PciShmemRegionsStart, message);
                Warn(o + PciShmemRegionsStart, message, ReaderWarningKind.ShmemRegionsOutOfRange);
                long start = Math.Min(shmemStart, cell.MemoryRegions.Count);
                count = Math.Min(count, cell.MemoryRegions.Count - start);
                shmemStart = (uint)start;
            }
            device.ShmemRegions = cell.MemoryRegions.GetRange((int)shmemStart, (int)count);
        }
        else if (shmemStart != 0 || device.ShmemDevId != 0 || device.ShmemPeers != 0 || device.ShmemProtocol != 0)
        {
            Warn(o + PciShmemRegionsStart, $"PCI device {index}: shared-memory fields of a non-ivshmem device ignored");
            device.ShmemDevId = device.ShmemPeers = 0;
            device.ShmemProtocol = 0;
        }
        return device;
    }

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder();
        foreach (byte b in bytes)
            text.Append(b is >= 0x20 and < 0x7f and not (byte)'"' and not (byte)'\\' ? (char)b : $"\\x{b:x2}");
        return text.ToString();
    }
}
