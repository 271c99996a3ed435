using System.Buffers.Binary;
using System.Globalization;
using Jailhouse.Config;
using Jailhouse.Config.Model;

namespace Jailhouse.Generate.Snapshot;

/// <summary>
/// A capability found in a function's config space, with the length of the register block the
/// hypervisor must let the root cell reach and whether writes to it are safe to pass through.
/// </summary>
public sealed record PciCapabilityEntry(ushort Id, ushort Start, ushort Length, bool Writable)
{
    public bool IsExtended => (Id & PciCapability.ExtendedFlag) != 0;

    public bool Covers(int offset) => offset >= Start && offset < Start + Length;
}

/// <summary>
/// One PCI function of a snapshot: its config space (as sysfs shows it to root: 256 or 4096 bytes),
/// its resource file, and what follows from them.
/// </summary>
public sealed class PciFunction
{
    public const ushort ClassPciBridge = 0x0604;

    public ushort Domain { get; }
    public byte Bus { get; }
    public byte Device { get; }
    public byte Function { get; }
    public byte[] Config { get; }
    public string SysfsName { get; }
    public ulong[][] Resources { get; }

    public ushort Bdf => (ushort)(Bus << 8 | Device << 3 | Function);
    public string BdfText => $"{Bus:x2}:{Device:x2}.{Function:x}";

    public ushort VendorId => U16(0x00);
    public ushort DeviceId => U16(0x02);
    public ushort ClassCode => U16(0x0a);
    public bool IsBridge => ClassCode == ClassPciBridge;
    public byte SecondaryBus => Config.Length > 0x19 ? Config[0x19] : (byte)0;
    public byte SubordinateBus => Config.Length > 0x1a ? Config[0x1a] : (byte)0;

    public IReadOnlyList<PciCapabilityEntry> Capabilities { get; }
    public byte MsiVectors { get; private set; }
    public bool Msi64Bits { get; private set; }
    public bool MsiMaskable { get; private set; }
    public ushort MsixVectors { get; private set; }
    public ulong MsixAddress { get; private set; }
    public ushort MsixRegionSize { get; private set; }
    /// <summary>Findings worth a warning (e.g. an MSI-X table in an unassigned BAR).</summary>
    public List<string> Notes { get; } = [];

    private PciFunction(string sysfsName, ushort domain, byte bus, byte device, byte function, byte[] config, ulong[][] resources)
    {
        SysfsName = sysfsName;
        Domain = domain;
        Bus = bus;
        Device = device;
        Function = function;
        Config = config;
        Resources = resources;
        Capabilities = WalkCapabilities();
    }

    private ushort U16(int offset) => offset + 2 <= Config.Length ? BinaryPrimitives.ReadUInt16LittleEndian(Config.AsSpan(offset)) : (ushort)0xffff;
    private uint U32(int offset) => offset + 4 <= Config.Length ? BinaryPrimitives.ReadUInt32LittleEndian(Config.AsSpan(offset)) : 0xffffffff;

    /// <summary>Every function below /sys/bus/pci/devices in the snapshot, in bus order.</summary>
    public static List<PciFunction> ReadAll(SystemSnapshot snapshot)
    {
        var functions = new List<PciFunction>();
        foreach (string name in snapshot.List("sys/bus/pci/devices"))
        {
            string dir = $"sys/bus/pci/devices/{name}";
            if (snapshot.TryRead($"{dir}/config") is not { } config)
                continue;
            if (!TryParseAddress(name, out ushort domain, out byte bus, out byte dev, out byte fn))
                throw new InputException(snapshot.At(dir), "expected a PCI address DDDD:BB:DD.F as the directory name");
            var resources = ParseResources(snapshot.TryReadText($"{dir}/resource") ?? "", snapshot.At($"{dir}/resource"));
            functions.Add(new PciFunction(name, domain, bus, dev, fn, config, resources));
        }
        return [.. functions.OrderBy(f => f.Domain).ThenBy(f => f.Bdf)];
    }

    public static PciFunction FromConfig(string name, byte[] config, ulong[][]? resources = null)
    {
        if (!TryParseAddress(name, out ushort domain, out byte bus, out byte dev, out byte fn))
            throw new ArgumentException($"not a PCI address: {name}", nameof(name));
        return new PciFunction(name, domain, bus, dev, fn, config, resources ?? []);
    }

    public static bool TryParseAddress(string text, out ushort domain, out byte bus, out byte device, out byte function)
    {
        domain = 0; bus = 0; device = 0; function = 0;
        string[] parts = text.Split(':');
        if (parts.Length != 3 || parts[2].Split('.') is not [var dev, var fn])
            return false;
        return ushort.TryParse(parts[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out domain)
            && byte.TryParse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out bus)
            && byte.TryParse(dev, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out device) && device < 32
            && byte.TryParse(fn, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out function) && function < 8;
    }

    /// <summary>sysfs "resource": one "0xSTART 0xEND 0xFLAGS" line per BAR, then ROM and bridge windows.</summary>
    private static ulong[][] ParseResources(string text, SourceLocation file)
    {
        var rows = new List<ulong[]>();
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string[] fields = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0)
                continue;
            var row = new ulong[3];
            for (int f = 0; f < 3; f++)
            {
                string field = f < fields.Length ? fields[f] : "";
                if (!field.StartsWith("0x", StringComparison.Ordinal)
                    || !ulong.TryParse(field.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out row[f]))
                    throw new InputException(file with { Line = i + 1, Column = 1 }, $"expected \"0xSTART 0xEND 0xFLAGS\", found \"{lines[i].Trim()}\"");
            }
            rows.Add(row);
        }
        return [.. rows];
    }

    private const ulong ResourceIo = 0x100;
    private const ulong ResourceMem = 0x200;
    private const ulong ResourceMem64 = 0x100000;

    /// <summary>
    /// The BAR masks the hypervisor emulates for BAR sizing: the complement of each BAR's size,
    /// a 64-bit BAR spanning two entries (low and high half), unused BARs 0.
    /// </summary>
    public uint[] BarMasks()
    {
        var masks = new uint[6];
        for (int bar = 0; bar < 6 && bar < Resources.Length; bar++)
        {
            ulong start = Resources[bar][0], end = Resources[bar][1], flags = Resources[bar][2];
            if ((flags & ResourceIo) != 0)
            {
                masks[bar] = (uint)~(end - start);
            }
            else if ((flags & ResourceMem) != 0)
            {
                ulong mask = ~(end - start);
                masks[bar] = (uint)mask;
                if ((flags & ResourceMem64) != 0 && bar + 1 < 6)
                    masks[++bar] = (uint)(mask >> 32);
            }
        }
        return masks;
    }

    private List<PciCapabilityEntry> WalkCapabilities()
    {
        var caps = new List<PciCapabilityEntry>();
        const ushort StatusCapList = 1 << 4;
        if (Config.Length < 0x40 || VendorId == 0xffff || (U16(0x06) & StatusCapList) == 0)
            return caps;
        bool express = false;
        var seen = new HashSet<int>();
        for (int at = Config[0x34] & 0xfc; at >= 0x40 && at + 2 <= Math.Min(Config.Length, 0x100) && seen.Add(at); at = Config[at + 1] & 0xfc)
        {
            byte id = Config[at];
            ushort control = U16(at + 2);
            (ushort length, bool writable) = id switch
            {
                0x01 => ((ushort)8, true),                     // power management: safe to hand out
                0x05 => (MsiLength(control), true),            // MSI: the hypervisor moderates it
                0x10 => ((control & 0xf) >= 2 ? (ushort)60 : (ushort)20, false), // PCI Express
                0x11 => ((ushort)12, true),                    // MSI-X: the hypervisor moderates it
                _ => ((ushort)2, false),                       // only mark its existence
            };
            if (id == 0x05)
            {
                MsiVectors = (byte)(1 << ((control >> 1) & 0x7));
                Msi64Bits = (control & (1 << 7)) != 0;
                MsiMaskable = (control & (1 << 8)) != 0;
            }
            else if (id == 0x10)
            {
                express = true;
            }
            else if (id == 0x11)
            {
                ReadMsix(at, control);
            }
            // A standard capability cannot reach into extended config space, however its version reads.
            length = (ushort)Math.Min(length, 0x100 - at);
            caps.Add(new PciCapabilityEntry(id, (ushort)at, length, writable));
        }
        if (express && Config.Length > 0x100)
            WalkExtendedCapabilities(caps);
        return caps;
    }

    private static ushort MsiLength(ushort control)
    {
        int length = 10;
        if ((control & (1 << 7)) != 0)
            length += 4;   // 64-bit message address
        if ((control & (1 << 8)) != 0)
            length += 10;  // per-vector mask and pending bits
        return (ushort)length;
    }

    private void ReadMsix(int at, ushort control)
    {
        uint table = U32(at + 4);
        int barOffset = 0x10 + (int)(table & 7) * 4;
        ulong bar = U32(barOffset);
        if ((table & 7) > 5 || (bar & 0x3) != 0)
        {
            Notes.Add($"{BdfText}: MSI-X table in an I/O or invalid BAR; MSI-X ignored");
            return;
        }
        if ((bar & 0x4) != 0)
            bar |= (ulong)U32(barOffset + 4) << 32;
        ulong address = (bar & ~0xfUL) + (table & ~7u);
        if ((bar & ~0xfUL) == 0)
        {
            Notes.Add($"{BdfText}: MSI-X table in an unassigned BAR; MSI-X ignored");
            return;
        }
        int vectors = (control & 0x7ff) + 1;
        MsixVectors = (ushort)vectors;
        MsixAddress = address;
        MsixRegionSize = (ushort)((vectors * 16 + 0xfff) & ~0xfff);
    }

    private void WalkExtendedCapabilities(List<PciCapabilityEntry> caps)
    {
        var seen = new HashSet<int>();
        for (int at = 0x100; at >= 0x100 && at + 4 <= Config.Length && seen.Add(at);)
        {
            uint header = U32(at);
            ushort id = (ushort)header;
            int next = (int)(header >> 20) & 0xffc;
            if (header == 0 || id == 0xffff)
                break;
            if ((id & PciCapability.ExtendedFlag) == 0)
                caps.Add(new PciCapabilityEntry((ushort)(id | PciCapability.ExtendedFlag), (ushort)at, ExtendedLength(id, at), false));
            else
                Notes.Add($"{BdfText}: extended capability ID 0x{id:x} at 0x{at:x} cannot be described (bit 15 set); skipped");
            at = next;
        }
    }

    private ushort ExtendedLength(ushort id, int at) => id switch
    {
        0x0b => (ushort)(4 + (U32(at + 4) >> 20)),    // vendor specific: length in its header
        0x0d => AcsLength(at),
        0x02 or 0x09 => 16,                           // virtual channel: at least four dwords
        0x08 => 4,                                    // multi-function VC
        0x18 or 0x0e or 0x1b => 8,                    // LTR, ARI, PASID
        0x03 or 0x1f => 12,                           // device serial number, PTM
        0x04 or 0x19 => 16,                           // power budgeting, secondary PCIe
        0x12 => 48,                                   // multicast
        0x10 or 0x01 => 64,                           // SR-IOV, AER
        _ => 4,                                       // only mark its existence
    };

    private ushort AcsLength(int at)
    {
        ushort capability = U16(at + 4), control = U16(at + 6);
        int length = 8;
        if ((capability & (1 << 5)) != 0 && (control & (1 << 5)) != 0)
        {
            int bits = capability >> 8;
            if (bits == 0)
                bits = 256;
            length += (bits + 31) / 32 * 4;   // the egress control vector, in dwords
        }
        return (ushort)length;
    }

    /// <summary>The capability whose register block contains <paramref name="offset"/>, if any.</summary>
    public PciCapabilityEntry? CapabilityAt(int offset) => Capabilities.FirstOrDefault(c => c.Covers(offset));
}
