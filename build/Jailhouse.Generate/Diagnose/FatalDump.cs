using System.Globalization;
using System.Text.RegularExpressions;

namespace Jailhouse.Generate.Diagnose;

/// <summary>One access violation (or other fatal stop) the hypervisor printed, with where it is in the log.</summary>
public abstract record FatalDump(int Line, string Text);

/// <summary>"FATAL: Invalid MMIO/RAM read, addr: 0x... size: N" (x86), "FATAL: Invalid MMIO write, address: ..., size: N",
/// or ARM's "Unhandled data write at 0x...(N)": a guest-physical address no region of the cell maps.</summary>
public sealed record MemoryAccessDump(int Line, string Text, ulong Address, int Size, bool IsWrite, bool IsArm) : FatalDump(Line, Text);

/// <summary>"FATAL: Invalid PIO write, port: 70 size: 1": an x86 I/O port outside the cell's pio list.</summary>
public sealed record PortAccessDump(int Line, string Text, ushort Port, int Size, bool IsWrite) : FatalDump(Line, Text);

/// <summary>
/// A PCI config space access the hypervisor refused: either already decoded ("device 06:00.1, reg: 0xa8")
/// or, in older hypervisors, as the data port and the value of the 0xcf8 address port.
/// </summary>
public sealed record PciConfigDump(int Line, string Text, bool IsWrite, int Size, ushort? Port, uint? AddressPort,
    byte? Bus, byte? Device, byte? Function, int? Register, bool ViaMmconfig) : FatalDump(Line, Text)
{
    public const ushort AddressPortNumber = 0xcf8;
    public const ushort DataPort = 0xcfc;

    /// <summary>Bit 31 of the address port: config cycles enabled.</summary>
    public bool? Enabled => AddressPort is { } a ? (a & 0x8000_0000) != 0 : null;

    /// <summary>Bus, device, function and register, from the decoded form or from the address port (bits 23:16, 15:11, 10:8, 7:2) plus the data port's byte.</summary>
    public (byte Bus, byte Device, byte Function, int Register)? Target
    {
        get
        {
            if (Bus is { } b && Device is { } d && Function is { } f && Register is { } r)
                return (b, d, f, r);
            if (AddressPort is { } a && Port is { } p && p >= DataPort && p < DataPort + 4)
                return ((byte)(a >> 16), (byte)((a >> 11) & 0x1f), (byte)((a >> 8) & 0x7), (int)(a & 0xfc) + (p - DataPort));
            return null;
        }
    }

    /// <summary>Bits 27:24 of the address port: AMD's extended config space register bits (above 0xff), which Jailhouse ignores.</summary>
    public int ExtendedRegisterBits => AddressPort is { } a ? (int)((a >> 24) & 0xf) : 0;
}

/// <summary>ARM: "FATAL: unhandled trap (exception class 0x24)" or "forbidden access".</summary>
public sealed record ArmTrapDump(int Line, string Text, byte ExceptionClass, bool Forbidden) : FatalDump(Line, Text);

/// <summary>Any other "FATAL:" line: shown, not decoded.</summary>
public sealed record OtherFatalDump(int Line, string Text) : FatalDump(Line, Text);

/// <summary>Finds the hypervisor's fatal dumps in a console log (any prefix, e.g. timestamps, is ignored).</summary>
public static partial class FatalDumpParser
{
    private const string Hex = "(?:0x)?([0-9a-fA-F]+)";

    [GeneratedRegex(@"(?:FATAL: )?Invalid MMIO/RAM (read|write), addr: " + Hex + @"(?: size: (\d+))?")]
    private static partial Regex X86Memory();

    [GeneratedRegex(@"(?:FATAL: )?Invalid MMIO (read|write), address: " + Hex + @"(?:, size: (?:0x)?([0-9a-fA-F]+))?")]
    private static partial Regex Mmio();

    [GeneratedRegex(@"Unhandled data (read|write) at " + Hex + @"(?:\((\d+)\))?")]
    private static partial Regex ArmData();

    [GeneratedRegex(@"(?:FATAL: )?Invalid PIO (read|write), port: " + Hex + @"(?:,? size:? (\d+))?")]
    private static partial Regex Pio();

    [GeneratedRegex(@"(?:FATAL: )?Invalid PCI config (read|write), port: " + Hex + @",? size:? (\d+)(?:, address port: " + Hex + ")?")]
    private static partial Regex PciPort();

    [GeneratedRegex(@"PCI address port: " + Hex)]
    private static partial Regex PciAddressPortLine();

    [GeneratedRegex(@"(?:FATAL: )?Invalid PCI (config|MMCONFIG) (read|write), device ([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7]), reg: " + Hex + @", size: (\d+)")]
    private static partial Regex PciDevice();

    [GeneratedRegex(@"FATAL: (unhandled trap|forbidden access) \(exception class 0x([0-9a-fA-F]+)\)")]
    private static partial Regex ArmTrap();

    [GeneratedRegex(@"FATAL: .*")]
    private static partial Regex AnyFatal();

    public static List<FatalDump> Parse(string log)
    {
        var dumps = new List<FatalDump>();
        string[] lines = log.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r');
            int number = i + 1;
            Match m;
            if ((m = X86Memory().Match(line)).Success)
                dumps.Add(new MemoryAccessDump(number, m.Value, HexValue(m.Groups[2]), IntOr(m.Groups[3], 0), m.Groups[1].Value == "write", false));
            else if ((m = Mmio().Match(line)).Success)
                dumps.Add(new MemoryAccessDump(number, m.Value, HexValue(m.Groups[2]), m.Groups[3].Success ? (int)HexValue(m.Groups[3]) : 0, m.Groups[1].Value == "write", false));
            else if ((m = ArmData().Match(line)).Success)
                dumps.Add(new MemoryAccessDump(number, m.Value, HexValue(m.Groups[2]), IntOr(m.Groups[3], 0), m.Groups[1].Value == "write", true));
            else if ((m = PciDevice().Match(line)).Success)
                dumps.Add(new PciConfigDump(number, m.Value, m.Groups[2].Value == "write", IntOr(m.Groups[7], 0), null, null,
                    (byte)HexValue(m.Groups[3]), (byte)HexValue(m.Groups[4]), (byte)HexValue(m.Groups[5]), (int)HexValue(m.Groups[6]),
                    m.Groups[1].Value == "MMCONFIG"));
            else if ((m = PciPort().Match(line)).Success)
                dumps.Add(new PciConfigDump(number, m.Value, m.Groups[1].Value == "write", IntOr(m.Groups[3], 0), (ushort)HexValue(m.Groups[2]),
                    m.Groups[4].Success ? (uint)HexValue(m.Groups[4]) : null, null, null, null, null, false));
            else if ((m = PciAddressPortLine().Match(line)).Success)
            {
                // Older hypervisors printed the address port on the line after "Invalid PIO".
                if (dumps.Count > 0 && dumps[^1] is PortAccessDump { Port: >= PciConfigDump.DataPort and < PciConfigDump.DataPort + 4 } pio && pio.Line == number - 1)
                    dumps[^1] = new PciConfigDump(pio.Line, pio.Text + "; " + m.Value, pio.IsWrite, pio.Size, pio.Port, (uint)HexValue(m.Groups[1]),
                        null, null, null, null, false);
            }
            else if ((m = Pio().Match(line)).Success)
                dumps.Add(new PortAccessDump(number, m.Value, (ushort)HexValue(m.Groups[2]), IntOr(m.Groups[3], 0), m.Groups[1].Value == "write"));
            else if ((m = ArmTrap().Match(line)).Success)
                dumps.Add(new ArmTrapDump(number, m.Value, (byte)HexValue(m.Groups[2]), m.Groups[1].Value == "forbidden access"));
            else if ((m = AnyFatal().Match(line)).Success)
                dumps.Add(new OtherFatalDump(number, m.Value.Trim()));
        }
        return dumps;
    }

    private static ulong HexValue(Group group) =>
        ulong.TryParse(group.Value, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong value) ? value : 0;

    private static int IntOr(Group group, int fallback) =>
        group.Success && int.TryParse(group.Value, NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? value : fallback;
}
