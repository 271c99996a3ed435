namespace Jailhouse.Hypervisor;

/// <summary>
/// The root cell's VMX I/O and MSR bitmaps (a set bit makes the access a VM exit). I/O: every
/// port traps except the cell's PIO ranges; the PCI configuration ports 0xcf8-0xcff always
/// trap (the hypervisor filters configuration space by the cell's device list). MSRs, as
/// upstream: writes to the APIC base and feature control, the VMX capability registers, and
/// writes to the x2APIC ICR (the IPIs the APIC emulation filters, <see cref="X86Apic"/>) trap;
/// everything else, the other x2APIC registers included, runs natively.
/// </summary>
internal static unsafe class X86Bitmaps
{
    public const ushort PciAddressPort = 0xcf8;
    public const ushort PciDataPort = 0xcfc;

    /// <summary>Fills the two 4 KiB I/O bitmap pages (A: ports 0-0x7fff, B: 0x8000-0xffff).</summary>
    public static void FillIo(byte* bitmapA, byte* bitmapB, in SystemConfig config)
    {
        for (int i = 0; i < 4096; i++)
        {
            bitmapA[i] = 0xff;
            bitmapB[i] = 0xff;
        }
        for (uint r = 0; r < config.PioRegionCount; r++)
        {
            uint start = config.PioBase(r);
            uint end = start + config.PioLength(r);
            for (uint port = start; port < end && port <= 0xffff; port++)
                SetPort(bitmapA, bitmapB, port, false);
        }
        for (uint port = PciAddressPort; port < PciAddressPort + 8; port++)
            SetPort(bitmapA, bitmapB, port, true);
    }

    /// <summary>True when the cell's PIO list permits every byte of the access.</summary>
    public static bool PortPermitted(byte* bitmapA, byte* bitmapB, uint port, uint size)
    {
        for (uint p = port; p < port + size; p++)
        {
            if (p > 0xffff)
                return false;
            byte* map = p < 0x8000 ? bitmapA : bitmapB;
            uint bit = p & 0x7fff;
            if ((map[bit / 8] & (1 << (int)(bit % 8))) != 0)
                return false;
        }
        return true;
    }

    private static void SetPort(byte* bitmapA, byte* bitmapB, uint port, bool trap)
    {
        byte* map = port < 0x8000 ? bitmapA : bitmapB;
        uint bit = port & 0x7fff;
        if (trap)
            map[bit / 8] |= (byte)(1 << (int)(bit % 8));
        else
            map[bit / 8] &= (byte)~(1 << (int)(bit % 8));
    }

    // MSR bitmap layout (SDM 24.6.9): read low, read high, write low, write high, 1 KiB each.
    private const int ReadLow = 0, ReadHigh = 1024, WriteLow = 2048, WriteHigh = 3072;

    public const uint MsrApicBase = 0x1b;
    public const uint MsrFeatureControl = 0x3a;
    public const uint MsrVmxFirst = 0x480;
    public const uint MsrVmxLast = 0x491;
    public const uint MsrX2ApicIcr = 0x830;

    public static void FillMsr(byte* bitmap)
    {
        for (int i = 0; i < 4096; i++)
            bitmap[i] = 0;
        SetMsr(bitmap, WriteLow, MsrApicBase);
        SetMsr(bitmap, WriteLow, MsrFeatureControl);
        for (uint msr = MsrVmxFirst; msr <= MsrVmxLast; msr++)
        {
            SetMsr(bitmap, ReadLow, msr);
            SetMsr(bitmap, WriteLow, msr);
        }
        SetMsr(bitmap, WriteLow, MsrX2ApicIcr);
    }

    /// <summary>True when <paramref name="msr"/> traps on <paramref name="write"/> (host tests).</summary>
    public static bool MsrTraps(byte* bitmap, uint msr, bool write)
    {
        int area;
        uint index;
        if (msr <= 0x1fff)
        {
            area = write ? WriteLow : ReadLow;
            index = msr;
        }
        else if (msr >= 0xc0000000 && msr <= 0xc0001fff)
        {
            area = write ? WriteHigh : ReadHigh;
            index = msr - 0xc0000000;
        }
        else
        {
            return true; // outside both ranges every access exits
        }
        return (bitmap[area + (int)(index / 8)] & (1 << (int)(index % 8))) != 0;
    }

    private static void SetMsr(byte* bitmap, int area, uint msr) =>
        bitmap[area + (int)(msr / 8)] |= (byte)(1 << (int)(msr % 8));
}
