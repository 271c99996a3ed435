namespace Jailhouse.Hypervisor;

/// <summary>
/// PCI configuration mechanism #1 for the root cell: the address port 0xcf8 is kept per CPU
/// and read back as written, the data ports 0xcfc-0xcff reach the device the address selects
/// when <see cref="X86PciConfig.Classify"/> allows it.
/// </summary>
internal static unsafe class X86PciPorts
{
    /// <summary>
    /// A trapped port access to 0xcf8-0xcff. <paramref name="addressPort"/> is this CPU's copy
    /// of 0xcf8. Returns false when the access must stop the cell (the caller prints FATAL).
    /// </summary>
    public static bool HandlePort(in SystemConfig config, ref uint addressPort, ushort port, uint size, bool isWrite, ref ulong value)
    {
        if (port == X86Bitmaps.PciAddressPort && size == 4)
        {
            if (isWrite)
                addressPort = (uint)value;
            else
                value = addressPort;
            return true;
        }
        if (port < X86Bitmaps.PciDataPort)
        {
            // 0xcf9 (reset control) and partial accesses to the address port: not the root cell's.
            return false;
        }
        uint offset = (uint)port - X86Bitmaps.PciDataPort;
        if (offset + size > 4 || (addressPort & 0x8000_0000) == 0)
        {
            if (!isWrite)
                value = X86PciConfig.SizeMask(size);
            return true;
        }
        ushort bdf = (ushort)((addressPort >> 8) & 0xffff);
        uint register = (addressPort & 0xfc) | offset;
        int decision = X86PciConfig.Classify(config, bdf, register, size, isWrite);
        switch (decision)
        {
            case PciAccess.Hide:
                if (!isWrite)
                    value = X86PciConfig.SizeMask(size);
                return true;
            case PciAccess.Ignore:
                return true;
            case PciAccess.Reject:
                return false;
        }
        Arch.OutDword(X86Bitmaps.PciAddressPort, addressPort & ~3u);
        if (isWrite)
            X86Io.Out(port, size, value);
        else
            value = X86Io.In(port, size);
        return true;
    }

}

/// <summary>Port I/O of 1, 2 or 4 bytes.</summary>
internal static class X86Io
{
    public static void Out(ushort port, uint size, ulong value)
    {
        if (size == 1)
            Arch.OutByte(port, (byte)value);
        else if (size == 2)
            Arch.OutWord(port, (ushort)value);
        else
            Arch.OutDword(port, (uint)value);
    }

    public static ulong In(ushort port, uint size) =>
        size == 1 ? Arch.InByte(port) : size == 2 ? Arch.InWord(port) : Arch.InDword(port);
}
