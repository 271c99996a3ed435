namespace Jailhouse.Hypervisor;

/// <summary>What the PCI configuration filter decided for one access.</summary>
internal static class PciAccess
{
    /// <summary>Do it on the hardware.</summary>
    public const int Perform = 0;
    /// <summary>Not the cell's device: reads see all ones, writes vanish.</summary>
    public const int Hide = 1;
    /// <summary>A write the cell may not do: the cell stops (FATAL).</summary>
    public const int Reject = 2;
    /// <summary>A header register that is read-only for cells: the write vanishes.</summary>
    public const int Ignore = 3;
}

/// <summary>
/// The root cell's view of PCI configuration space (upstream's pci.c, our own code): only the
/// cell's devices are visible (others read as all ones and ignore writes); reads pass, writes
/// to the type-0 header pass except the read-only identification fields, and writes beyond
/// the header must fall in a capability the configuration marks writable, else the cell
/// stops with upstream's FATAL line. <see cref="X86PciPorts"/> applies it to 0xcf8/0xcfc.
/// </summary>
internal static unsafe class X86PciConfig
{
    public const int HeaderSize = 0x40;

    /// <summary>The decision for an access of <paramref name="size"/> bytes at
    /// <paramref name="register"/> of <paramref name="bdf"/> (domain 0).</summary>
    public static int Classify(in SystemConfig config, ushort bdf, uint register, uint size, bool isWrite)
    {
        byte* device = FindDevice(config, bdf);
        if (device == null)
            return PciAccess.Hide;
        if (!isWrite)
            return PciAccess.Perform;
        if (register < HeaderSize)
        {
            // Vendor/device ID and revision/class are read-only; the rest of the header (command,
            // status, BARs, ROM, interrupt line) belongs to the root cell's driver.
            if (register < 0x04 || (register >= 0x08 && register < 0x0c))
                return PciAccess.Ignore;
            return PciAccess.Perform;
        }
        ushort capsStart = *(ushort*)(device + PciDevice.CapsStart);
        ushort numCaps = *(ushort*)(device + PciDevice.NumCaps);
        for (uint i = 0; i < numCaps; i++)
        {
            if (capsStart + i >= config.PciCapabilityCount)
                break;
            ushort* cap = config.PciCapabilityAt(capsStart + i);
            uint start = cap[1];
            uint end = start + cap[2];
            if (register >= start && register + size <= end)
                return (cap[3] & PciDevice.CapabilityWrite) != 0 ? PciAccess.Perform : PciAccess.Reject;
        }
        return PciAccess.Reject;
    }

    /// <summary>
    /// An access at <paramref name="offset"/> into the MMCONFIG window (ECAM: bus, device and
    /// function in bits 27-12, the register below): the bytes the window spans, 0 when the
    /// configuration has none; and the decision, with the access's function and register.
    /// Widths other than 1, 2 and 4 bytes and unaligned accesses are rejected.
    /// </summary>
    public static ulong MmconfigSize(in SystemConfig config) =>
        config.PciMmconfigBase == 0 ? 0 : ((ulong)config.PciMmconfigEndBus + 1) << 20;

    public static int ClassifyMmconfig(in SystemConfig config, ulong offset, uint size, bool isWrite, out ushort bdf, out uint register)
    {
        bdf = (ushort)(offset >> 12);
        register = (uint)offset & 0xfff;
        if ((size != 1 && size != 2 && size != 4) || (register & (size - 1)) != 0 || offset >= MmconfigSize(config))
            return PciAccess.Reject;
        return Classify(config, bdf, register, size, isWrite);
    }

    private static byte* FindDevice(in SystemConfig config, ushort bdf)
    {
        for (uint i = 0; i < config.PciDeviceCount; i++)
        {
            byte* device = config.PciDeviceAt(i);
            if (*(ushort*)(device + PciDevice.Domain) == 0 && *(ushort*)(device + PciDevice.Bdf) == bdf)
                return device;
        }
        return null;
    }

    public static ulong SizeMask(uint size) => size >= 8 ? ~0UL : (1UL << (int)(8 * size)) - 1;
}
