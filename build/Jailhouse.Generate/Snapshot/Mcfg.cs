namespace Jailhouse.Generate.Snapshot;

/// <summary>An MMCONFIG (ECAM) area of the ACPI MCFG table: one PCI segment's buses.</summary>
public sealed record MmconfigArea(ulong Base, ushort Segment, byte StartBus, byte EndBus);

/// <summary>ACPI MCFG: after the header and 8 reserved bytes, 16-byte allocation entries.</summary>
public static class Mcfg
{
    private const int FirstEntry = 44;
    private const int EntryLength = 16;

    public static List<MmconfigArea> Parse(AcpiTable table)
    {
        var areas = new List<MmconfigArea>();
        for (int at = FirstEntry; at + EntryLength <= table.Length; at += EntryLength)
            areas.Add(new MmconfigArea(table.U64(at), table.U16(at + 8), table.U8(at + 10), table.U8(at + 11)));
        return areas;
    }
}
