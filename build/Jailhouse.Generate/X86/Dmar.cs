using Jailhouse.Generate.Snapshot;

namespace Jailhouse.Generate.X86;

/// <summary>A device scope entry of the DMAR table: what it names, where its path starts, and the path (device, function) pairs.</summary>
public sealed record DmarScope(byte Type, byte EnumerationId, byte StartBus, IReadOnlyList<(byte Device, byte Function)> Path)
{
    public const byte Endpoint = 1;
    public const byte Bridge = 2;
    public const byte IoApic = 3;

    /// <summary>
    /// The bus/device/function the path ends at: every step but the last goes through a bridge, whose
    /// secondary bus (from <paramref name="functions"/>) is where the next step starts.
    /// </summary>
    public ushort? Resolve(IReadOnlyList<PciFunction> functions)
    {
        int bus = StartBus;
        for (int i = 0; i < Path.Count; i++)
        {
            var (dev, fn) = Path[i];
            ushort bdf = (ushort)(bus << 8 | dev << 3 | fn);
            if (i == Path.Count - 1)
                return bdf;
            var bridge = functions.FirstOrDefault(f => f.Bdf == bdf);
            if (bridge is null)
                return null;
            bus = bridge.SecondaryBus;
        }
        return null;
    }
}

/// <summary>A DMA remapping hardware unit (DRHD).</summary>
public sealed record DmarUnit(ulong Base, bool IncludeAll, ushort Segment, byte SizeField, IReadOnlyList<DmarScope> Scopes);

/// <summary>A reserved memory region (RMRR): memory devices DMA to behind the OS's back (e.g. USB legacy emulation).</summary>
public sealed record DmarReservedRegion(ulong Base, ulong Limit, IReadOnlyList<DmarScope> Scopes);

/// <summary>ACPI DMAR (Intel VT-d): after a 48-byte header, type/length remapping structures.</summary>
public sealed class Dmar
{
    private const int FirstStructure = 48;

    public List<DmarUnit> Units { get; } = [];
    public List<DmarReservedRegion> ReservedRegions { get; } = [];

    public static Dmar Parse(AcpiTable table)
    {
        var dmar = new Dmar();
        for (int at = FirstStructure; at + 4 <= table.Length;)
        {
            ushort type = table.U16(at);
            ushort length = table.U16(at + 2);
            if (length < 4 || at + length > table.Length)
                throw table.Error(at + 2, $"DMAR structure of type {type} has length {length}, which does not fit the table");
            switch (type)
            {
                case 0:
                    dmar.Units.Add(new DmarUnit(table.U64(at + 8), (table.U8(at + 4) & 1) != 0, table.U16(at + 6),
                        table.U8(at + 5), Scopes(table, at + 16, at + length)));
                    break;
                case 1:
                    dmar.ReservedRegions.Add(new DmarReservedRegion(table.U64(at + 8), table.U64(at + 16), Scopes(table, at + 24, at + length)));
                    break;
            }
            at += length;
        }
        return dmar;
    }

    private static List<DmarScope> Scopes(AcpiTable table, int at, int end)
    {
        var scopes = new List<DmarScope>();
        while (at + 6 <= end)
        {
            byte length = table.U8(at + 1);
            if (length < 6 || (length - 6) % 2 != 0 || at + length > end)
                throw table.Error(at + 1, $"DMAR device scope has length {length}; expected 6 plus 2 per path step, inside its structure");
            var path = new List<(byte, byte)>();
            for (int step = at + 6; step < at + length; step += 2)
                path.Add((table.U8(step), table.U8(step + 1)));
            scopes.Add(new DmarScope(table.U8(at), table.U8(at + 4), table.U8(at + 5), path));
            at += length;
        }
        return scopes;
    }
}
