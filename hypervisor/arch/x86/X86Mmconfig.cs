namespace Jailhouse.Hypervisor;

/// <summary>
/// The root cell's accesses to the MMCONFIG window (PCI Express ECAM). The window is in no
/// memory region of the cell, so EPT traps every access; it is registered as an MMIO region
/// whose handler applies the same filter as 0xcf8/0xcfc (<see cref="X86PciConfig"/>): the
/// cell's devices only, writable capabilities only. A refused write stops the cell with
/// upstream's line ("FATAL: Invalid PCI MMCONFIG write, device 00:1f.0, reg: 44, size: 1"),
/// which `jailhouse diagnose` reads.
/// </summary>
internal static unsafe class X86Mmconfig
{
    /// <summary>0 (also when the configuration has no window), or Register's error.</summary>
    public static int Register(in SystemConfig config, ref MmioDispatch mmio)
    {
        ulong size = X86PciConfig.MmconfigSize(config);
        return size == 0 ? 0 : mmio.Register(config.PciMmconfigBase, size, &Access, null);
    }

    private static int Access(void* argument, MmioAccess* access)
    {
        SystemConfig config = ArchSetup.Config;
        int decision = X86PciConfig.ClassifyMmconfig(config, access->Address, access->Size, access->IsWrite, out ushort bdf, out uint register);
        switch (decision)
        {
            case PciAccess.Hide:
                if (!access->IsWrite)
                    access->Value = X86PciConfig.SizeMask(access->Size);
                return MmioResult.Handled;
            case PciAccess.Ignore:
                return MmioResult.Handled;
            case PciAccess.Reject:
                Report(access, bdf, register);
                return MmioResult.Error;
        }
        byte* target = X86HostPaging.Device(config.PciMmconfigBase + access->Address);
        if (target == null)
            return MmioResult.Unhandled;
        if (access->IsWrite)
            MmioSized.Write(target, access->Size, access->Value);
        else
            access->Value = MmioSized.Read(target, access->Size);
        return MmioResult.Handled;
    }

    private static void Report(MmioAccess* access, ushort bdf, uint register)
    {
        // Upstream's line, which `jailhouse diagnose` reads.
        DebugConsole.BeginLine(access->Cpu);
        DebugConsole.Print(access->IsWrite ? "FATAL: Invalid PCI MMCONFIG write, device %02x:%02x.%x" : "FATAL: Invalid PCI MMCONFIG read, device %02x:%02x.%x",
            (uint)bdf >> 8, ((uint)bdf >> 3) & 0x1f, (uint)bdf & 7);
        DebugConsole.Print(", reg: %x, size: %d\n", register, access->Size);
        DebugConsole.EndLine();
    }
}
