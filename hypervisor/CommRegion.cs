namespace Jailhouse.Hypervisor;

/// <summary>
/// The cell's communication region (struct jailhouse_comm_region, ABI revision 2): the page a
/// cell sees at every memory region flagged comm-region. The hypervisor presents it zeroed
/// (cell running, no message, no reply), then fills in the signature, revision, the cell's
/// console and the platform facts an inmate needs without parsing a configuration. Packed,
/// little endian; every field here happens to be naturally aligned.
/// </summary>
internal static unsafe class CommRegion
{
    public const ushort AbiRevision = 2;

    // Cell states (cell_state), written by the hypervisor at start, then by the cell.
    public const uint CellRunning = 0;
    public const uint CellRunningLocked = 1;
    public const uint CellShutDown = 2;
    public const uint CellFailed = 3;
    public const uint CellFailedCommRevision = 4;

    // msg_to_cell codes, and reply_from_cell codes.
    public const uint MsgNone = 0;
    public const uint MsgShutdownRequest = 1;
    public const uint MsgReconfigCompleted = 2;
    public const uint ReplyUnknown = 1;
    public const uint ReplyRequestDenied = 2;
    public const uint ReplyRequestApproved = 3;
    public const uint ReplyReceived = 4;

    // flags: whether the cell may use, or should use, the debug-console hypercall.
    public const uint FlagDebugPutcPermitted = 0x0001;
    public const uint FlagDebugPutcActive = 0x0002;

    // Cell flags (struct jailhouse_cell_desc.flags) that select the comm region flags.
    public const uint CellFlagVirtualConsolePermitted = 0x40000000;
    public const uint CellFlagVirtualConsoleActive = 0x80000000;

    // Generic header, shared by all architectures.
    public const int SignatureField = 0;
    public const int SignatureSize = 6;
    public const int RevisionField = 6;
    public const int CellStateField = 8;
    public const int MsgToCellField = 12;
    public const int ReplyFromCellField = 16;
    public const int FlagsField = 20;
    public const int ConsoleField = 24;
    public const int ConsoleSize = 32;
    public const int PciMmconfigBaseField = 56;
    public const int GenericHeaderSize = 64;

    // arm64 (and arm) part.
    public const int GicVersionField = 64;
    public const int GicdBaseField = 72;
    public const int GiccBaseField = 80;
    public const int GicrBaseField = 88;
    public const int VpciIrqBaseField = 96;
    public const int ArmSize = 100;

    // x86 part.
    public const int PmTimerAddressField = 64;
    public const int NumCpusField = 66;
    public const int TscKhzField = 68;
    public const int ApicKhzField = 72;
    public const int X86Size = 76;

    /// <summary>Zeroes <paramref name="pageSize"/> bytes at <paramref name="page"/> (the page may
    /// be dirty from an earlier cell) and writes the generic header for the root cell of
    /// <paramref name="config"/>.</summary>
    public static void FillGeneric(byte* page, ulong pageSize, SystemConfig config) =>
        FillGeneric(page, pageSize, config, config.RootDesc);

    /// <summary>The generic header for cell <paramref name="cell"/> of the system <paramref name="config"/>.</summary>
    public static void FillGeneric(byte* page, ulong pageSize, SystemConfig config, CellDesc cell)
    {
        for (ulong i = 0; i < pageSize; i++)
            page[i] = 0;
        page[0] = (byte)'J';
        page[1] = (byte)'H';
        page[2] = (byte)'C';
        page[3] = (byte)'O';
        page[4] = (byte)'M';
        page[5] = (byte)'M';
        *(ushort*)(page + RevisionField) = AbiRevision;
        *(uint*)(page + CellStateField) = CellRunning;
        *(uint*)(page + MsgToCellField) = MsgNone;
        *(uint*)(page + ReplyFromCellField) = MsgNone;

        uint cellFlags = cell.Flags;
        uint flags = 0;
        if ((cellFlags & CellFlagVirtualConsolePermitted) != 0)
            flags |= FlagDebugPutcPermitted;
        if ((cellFlags & CellFlagVirtualConsoleActive) != 0)
            flags |= FlagDebugPutcActive;
        *(uint*)(page + FlagsField) = flags;

        byte* console = cell.Console;
        for (int i = 0; i < ConsoleSize; i++)
            page[ConsoleField + i] = console[i];
        *(ulong*)(page + PciMmconfigBaseField) = config.PciMmconfigBase;
    }

    /// <summary>The generic header plus the ARM part: GIC generation and register bases from the
    /// platform information, and the cell's first virtual PCI interrupt.</summary>
    public static void FillArm(byte* page, ulong pageSize, SystemConfig config) =>
        FillArm(page, pageSize, config, config.RootDesc);

    /// <summary>The same for cell <paramref name="cell"/> of the system <paramref name="config"/>.</summary>
    public static void FillArm(byte* page, ulong pageSize, SystemConfig config, CellDesc cell)
    {
        FillGeneric(page, pageSize, config, cell);
        page[GicVersionField] = config.ArmGicVersion;
        *(ulong*)(page + GicdBaseField) = config.ArmGicdBase;
        *(ulong*)(page + GiccBaseField) = config.ArmGiccBase;
        *(ulong*)(page + GicrBaseField) = config.ArmGicrBase;
        *(uint*)(page + VpciIrqBaseField) = cell.VpciIrqBase;
    }

    /// <summary>The generic header plus the x86 part: PM timer port, the cell's CPU count and
    /// the calibrated TSC and APIC timer frequencies from the platform information.</summary>
    public static void FillX86(byte* page, ulong pageSize, SystemConfig config)
    {
        FillGeneric(page, pageSize, config);
        *(ushort*)(page + PmTimerAddressField) = config.X86PmTimerAddress;
        *(ushort*)(page + NumCpusField) = (ushort)config.CpuCount;
        *(uint*)(page + TscKhzField) = config.X86TscKhz;
        *(uint*)(page + ApicKhzField) = config.X86ApicKhz;
    }
}
