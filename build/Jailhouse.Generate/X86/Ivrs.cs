using Jailhouse.Generate.Snapshot;

namespace Jailhouse.Generate.X86;

/// <summary>An AMD IOMMU (IVHD block): the PCI function it is, its registers and the devices it translates for.</summary>
public sealed record IvrsUnit(byte BlockType, ushort DeviceId, ushort CapabilityOffset, ulong Base, ushort Segment, uint FeatureReporting)
{
    public bool CoversAll { get; set; }
    /// <summary>Inclusive BDF ranges (single devices are ranges of one).</summary>
    public List<(ushort First, ushort Last)> Devices { get; } = [];
    /// <summary>IOAPICs by their MADT id: the BDF the IOMMU knows them by.</summary>
    public Dictionary<byte, ushort> IoApics { get; } = [];

    public bool Covers(ushort bdf) => CoversAll || Devices.Any(r => bdf >= r.First && bdf <= r.Last);
}

/// <summary>A memory range (IVMD block) devices may DMA to while their IOMMU is on.</summary>
public sealed record IvrsMemoryRange(byte BlockType, byte Flags, ushort DeviceId, ushort AuxData, ulong Start, ulong Length);

/// <summary>ACPI IVRS (AMD-Vi): after a 48-byte header, IVHD (0x10, 0x11, 0x40) and IVMD (0x20-0x22) blocks.</summary>
public sealed class Ivrs
{
    private const int FirstBlock = 48;

    public List<IvrsUnit> Units { get; } = [];
    public List<IvrsMemoryRange> MemoryRanges { get; } = [];

    public static Ivrs Parse(AcpiTable table)
    {
        var ivrs = new Ivrs();
        for (int at = FirstBlock; at + 4 <= table.Length;)
        {
            byte type = table.U8(at);
            ushort length = table.U16(at + 2);
            if (length < 4 || at + length > table.Length)
                throw table.Error(at + 2, $"IVRS block of type 0x{type:x2} has length {length}, which does not fit the table");
            if (type is 0x10 or 0x11 or 0x40)
                ivrs.Units.Add(ParseUnit(table, at, type, length));
            else if (type is 0x20 or 0x21 or 0x22)
                ivrs.MemoryRanges.Add(new IvrsMemoryRange(type, table.U8(at + 1), table.U16(at + 4), table.U16(at + 6),
                    table.U64(at + 16), table.U64(at + 24)));
            at += length;
        }
        return ivrs;
    }

    private static IvrsUnit ParseUnit(AcpiTable table, int at, byte type, ushort length)
    {
        var unit = new IvrsUnit(type, table.U16(at + 4), table.U16(at + 6), table.U64(at + 8), table.U16(at + 16), table.U32(at + 20));
        // Type 0x10 has a 24-byte header; 0x11 and 0x40 add the EFR image and 8 reserved bytes.
        int entry = at + (type == 0x10 ? 24 : 40);
        int end = at + length;
        ushort? rangeStart = null;
        while (entry + 4 <= end)
        {
            byte kind = table.U8(entry);
            ushort deviceId = table.U16(entry + 1);
            // Entry sizes by type range: 4 bytes below 0x40, 8 below 0x80, and the variable ACPI HID entry (0xf0).
            int size = kind < 0x40 ? 4 : kind < 0x80 ? 8 : kind == 0xf0 ? 22 + table.U8(entry + 21) : 4;
            switch (kind)
            {
                case 0x01:
                    unit.CoversAll = true;
                    break;
                case 0x02 or 0x42 or 0x46:
                    unit.Devices.Add((deviceId, deviceId));
                    if (kind == 0x42)
                        unit.Devices.Add((table.U16(entry + 5), table.U16(entry + 5)));
                    break;
                case 0x03 or 0x43 or 0x47:
                    rangeStart = deviceId;
                    break;
                case 0x04:
                    if (rangeStart is { } first && deviceId >= first)
                        unit.Devices.Add((first, deviceId));
                    rangeStart = null;
                    break;
                case 0x48 when table.U8(entry + 7) == 0x01:
                    unit.IoApics[table.U8(entry + 4)] = table.U16(entry + 5);
                    break;
            }
            entry += size;
        }
        return unit;
    }
}
