using Jailhouse.Generate.Snapshot;

namespace Jailhouse.Generate.X86;

/// <summary>An I/O APIC as the MADT lists it.</summary>
public sealed record IoApic(byte Id, uint Address, uint GsiBase);

/// <summary>ACPI MADT ("APIC"): after the header, local APIC address and flags, type/length records.</summary>
public static class Madt
{
    private const int FirstRecord = 44;
    private const byte IoApicRecord = 1;

    public static List<IoApic> IoApics(AcpiTable table)
    {
        var ioapics = new List<IoApic>();
        for (int at = FirstRecord; at + 2 <= table.Length;)
        {
            byte type = table.U8(at);
            byte length = table.U8(at + 1);
            if (length < 2)
                throw table.Error(at + 1, $"MADT record of type {type} has length {length}, expected at least 2");
            if (type == IoApicRecord)
                ioapics.Add(new IoApic(table.U8(at + 2), table.U32(at + 4), table.U32(at + 8)));
            at += length;
        }
        return ioapics;
    }
}
