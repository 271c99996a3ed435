using System.Globalization;

namespace Jailhouse.Config.Text;

/// <summary>PCI addresses as lspci prints them: "00:1f.2" or with a domain "0001:00:1f.2".</summary>
public static class BdfSyntax
{
    public static bool TryParse(string text, out ushort domain, out ushort bdf, out string error)
    {
        domain = 0;
        bdf = 0;
        error = $"expected a PCI address BUS:DEVICE.FUNCTION like \"00:1f.2\" (hex, device 00-1f, function 0-7), optionally with a domain \"0001:00:1f.2\", found \"{text}\"";
        string[] parts = text.Trim().Split(':');
        if (parts.Length is < 2 or > 3)
            return false;
        if (parts.Length == 3)
        {
            if (!Hex(parts[0], 0xffff, out uint d))
                return false;
            domain = (ushort)d;
        }
        string bus = parts[^2];
        string[] devFn = parts[^1].Split('.');
        if (devFn.Length != 2 || !Hex(bus, 0xff, out uint b) || !Hex(devFn[0], 0x1f, out uint dev) || !Hex(devFn[1], 7, out uint fn))
            return false;
        bdf = (ushort)(b << 8 | dev << 3 | fn);
        error = "";
        return true;
    }

    private static bool Hex(string text, uint max, out uint value) =>
        uint.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value) && text.Length > 0 && value <= max;

    public static string Format(ushort domain, ushort bdf)
    {
        string local = $"{bdf >> 8:x2}:{(bdf >> 3) & 0x1f:x2}.{bdf & 7}";
        return domain == 0 ? local : $"{domain:x4}:{local}";
    }
}
