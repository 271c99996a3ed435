using Jailhouse.Config.Model;

namespace Jailhouse.Tests;

/// <summary>Generates valid, arbitrary configurations: every field random, references consistent.</summary>
internal sealed class RandomModel(int seed)
{
    private readonly Random random = new(seed);
    private int nameCounter;

    private ulong U64() => (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63);
    private uint U32() => (uint)random.NextInt64(0, 1L << 32);
    private ushort U16() => (ushort)random.Next(0, 1 << 16);
    private byte U8() => (byte)random.Next(0, 256);
    private bool Chance(int percent) => random.Next(100) < percent;

    /// <summary>Either 0, a typical value, or anything: edge values are where codecs break.</summary>
    private ulong Value(ulong max = ulong.MaxValue) => random.Next(4) switch
    {
        0 => 0,
        1 => (ulong)random.Next(0, 1 << 20) << 12 & max,
        2 => max,
        _ => U64() & max,
    };

    private static readonly string[] NameParts = ["ram", "uart", "ivshmem", "pci ecam", "gic:dist", "x\"y", "back\\slash", "ünï", "#hash", "- dash", "a: b", "[x]", "{y}", "null", "0x10", "true"];

    private string? MaybeName() => Chance(60) ? UniqueName() : null;

    private string UniqueName() => $"{NameParts[random.Next(NameParts.Length)]}-{nameCounter++}";

    public JailhouseConfig Next()
    {
        var arch = (Architecture)random.Next(3);
        var config = new JailhouseConfig { Architecture = arch, Cell = Cell() };
        if (Chance(50))
            config.System = System(arch);
        return config;
    }

    private ConsoleConfig Console() => Chance(30) ? new ConsoleConfig() : new ConsoleConfig
    {
        Address = Value(),
        Size = (uint)Value(uint.MaxValue),
        Type = (ConsoleType)random.Next(0, 13),
        Flags = (ConsoleFlags)U16(),
        Divider = (uint)Value(uint.MaxValue),
        GateNr = (uint)Value(uint.MaxValue),
        ClockReg = Value(),
    };

    private MemoryRegion Region() => new()
    {
        Name = MaybeName(),
        PhysStart = Value(),
        VirtStart = Chance(70) ? 0 : Value(),
        Size = Value(),
        Flags = (MemoryFlags)(Chance(80) ? (ulong)random.Next(0, 0x200) : U64()),
    };

    private SystemConfig System(Architecture arch)
    {
        var system = new SystemConfig
        {
            Flags = (SystemFlags)(Chance(80) ? (uint)random.Next(2) : U32()),
            HypervisorMemory = new MemoryRegion { PhysStart = Value(), VirtStart = Chance(80) ? 0 : Value(), Size = Value(), Flags = (MemoryFlags)Value() },
            DebugConsole = Console(),
        };
        var p = system.Platform;
        p.PciMmconfigBase = Value();
        p.PciMmconfigEndBus = U8();
        p.PciIsVirtual = (byte)(Chance(80) ? random.Next(2) : U8());
        p.PciDomain = U16();
        int units = random.Next(0, 9);
        for (int i = 0; i < units; i++)
        {
            var type = (IommuType)random.Next(0, 7);
            var unit = new IommuUnit { Type = type, Base = Value() | 1, Size = (uint)Value(uint.MaxValue) };
            if (type == IommuType.Amd)
            {
                unit.AmdBdf = U16();
                unit.AmdBaseCap = U8();
                unit.AmdMsiCap = U8();
                unit.AmdFeatures = U32();
            }
            if (type == IommuType.TiPvu)
            {
                unit.TlbBase = Value();
                unit.TlbSize = (uint)Value(uint.MaxValue);
            }
            p.IommuUnits.Add(unit);
        }
        if (arch == Architecture.X86)
            p.X86 = new X86Platform { PmTimerAddress = U16(), ApicMode = (ApicMode)random.Next(0, 4), VtdInterruptLimit = U32(), TscKhz = U32(), ApicKhz = U32() };
        else
            p.Arm = new ArmPlatform { MaintenanceIrq = U8(), GicVersion = (byte)random.Next(1, 5), GicdBase = Value(), GiccBase = Value(), GichBase = Value(), GicvBase = Value(), GicrBase = Value() };
        return system;
    }

    private CellConfig Cell()
    {
        var cell = new CellConfig
        {
            Name = Chance(90) ? UniqueName() : "",
            Id = Chance(90) ? 0 : U32(),
            Flags = (CellFlags)(Chance(70) ? (uint)random.Next(0, 8) | 0x4000_0000u : U32()),
            VpciIrqBase = (uint)Value(uint.MaxValue),
            CpuResetAddress = Value(),
            MsgReplyTimeout = Value(),
            Console = Console(),
        };
        int maxCpu = Chance(80) ? 64 : 256;
        for (int i = 0, n = random.Next(0, 10); i < n; i++)
            cell.Cpus.Add(random.Next(maxCpu));
        cell.CpuSetSize = CellConfig.MinimumCpuSetSize(cell.Cpus) + (uint)(Chance(80) ? 0 : 8 * random.Next(1, 3));

        for (int i = 0, n = random.Next(0, 12); i < n; i++)
            cell.MemoryRegions.Add(Region());
        for (int i = 0, n = random.Next(0, 3); i < n; i++)
            cell.CacheRegions.Add(new CacheRegion { Start = U32(), Size = U32(), Type = (CacheType)random.Next(1, 4), Flags = (CacheFlags)U16() });
        for (int i = 0, n = random.Next(0, 4); i < n; i++)
        {
            var chip = new Irqchip { Address = Value(), Id = (uint)Value(uint.MaxValue), PinBase = (uint)Value(uint.MaxValue) };
            for (int w = 0; w < 4; w++)
                chip.PinBitmap[w] = random.Next(3) switch { 0 => 0, 1 => uint.MaxValue, _ => U32() };
            cell.Irqchips.Add(chip);
        }
        for (int i = 0, n = random.Next(0, 6); i < n; i++)
            cell.PioRanges.Add(new PioRange { Name = MaybeName(), Base = U16(), Length = U16() });
        for (int i = 0, n = random.Next(0, 10); i < n; i++)
            cell.PciCapabilities.Add(new PciCapability { Name = MaybeName(), Id = Chance(70) ? (ushort)random.Next(1, 0x15) : U16(), Start = U16(), Length = U16(), Flags = (PciCapabilityFlags)U16() });
        for (int i = 0, n = random.Next(0, 6); i < n; i++)
            cell.PciDevices.Add(Device(cell));
        for (int i = 0, n = random.Next(0, 5); i < n; i++)
            cell.StreamIds.Add(U32());
        return cell;
    }

    private PciDevice Device(CellConfig cell)
    {
        var device = new PciDevice
        {
            Name = MaybeName(),
            Type = (PciDeviceType)random.Next(1, 4),
            Iommu = U8(),
            Domain = Chance(70) ? (ushort)0 : U16(),
            Bdf = U16(),
            NumMsiVectors = U8(),
            Msi64Bits = Chance(50),
            MsiMaskable = Chance(50),
            NumMsixVectors = U16(),
            MsixRegionSize = U16(),
            MsixAddress = Value(),
        };
        for (int b = 0; b < 6; b++)
            device.BarMask[b] = Chance(50) ? 0 : U32();
        if (cell.PciCapabilities.Count > 0 && Chance(60))
        {
            int start = random.Next(cell.PciCapabilities.Count);
            int count = random.Next(1, cell.PciCapabilities.Count - start + 1);
            device.Capabilities = cell.PciCapabilities.GetRange(start, count);
        }
        if (device.Type == PciDeviceType.Ivshmem)
        {
            int peers = random.Next(0, 4);
            int needed = PciDevice.IvshmemRegionCount(peers);
            if (cell.MemoryRegions.Count < needed)
            {
                device.Type = PciDeviceType.Device;
                return device;
            }
            int start = random.Next(cell.MemoryRegions.Count - needed + 1);
            device.ShmemRegions = cell.MemoryRegions.GetRange(start, needed);
            device.ShmemPeers = (byte)peers;
            device.ShmemDevId = U8();
            device.ShmemProtocol = U16();
        }
        return device;
    }
}
