using Jailhouse.Hypervisor;

namespace Jailhouse.Inmate;

/// <summary>
/// The cell's communication region (struct jailhouse_comm_region, ABI revision 2) as an inmate
/// sees it: at <see cref="Base"/>, filled by the hypervisor (signature, revision, console, GIC)
/// and shared with it while the cell runs. The hypervisor asks the cell to shut down by writing
/// <see cref="MsgShutdownRequest"/> into msg_to_cell and waits for reply_from_cell. Offsets and
/// codes are a copy of hypervisor/CommRegion.cs, checked by InmateLayoutTests.
/// </summary>
internal static unsafe class CommRegion
{
    /// <summary>Guest-physical address of the region for arm64 inmates (inmate.h COMM_REGION_BASE).</summary>
    public const ulong Base = 0x80000000;
    public const ushort AbiRevision = 2;

    public const uint CellRunning = 0;
    public const uint CellShutDown = 2;

    public const uint MsgNone = 0;
    public const uint MsgShutdownRequest = 1;
    public const uint MsgReconfigCompleted = 2;
    public const uint ReplyUnknown = 1;
    public const uint ReplyRequestApproved = 3;
    public const uint ReplyReceived = 4;

    public const uint FlagDebugPutcPermitted = 0x0001;
    public const uint FlagDebugPutcActive = 0x0002;

    public const int SignatureField = 0;
    public const int RevisionField = 6;
    public const int CellStateField = 8;
    public const int MsgToCellField = 12;
    public const int ReplyFromCellField = 16;
    public const int FlagsField = 20;
    public const int ConsoleField = 24;
    public const int GicVersionField = 64;
    public const int GicdBaseField = 72;
    public const int GiccBaseField = 80;
    public const int GicrBaseField = 88;

    private static byte* Region => (byte*)Base;

    /// <summary>Whether the region carries "JHCOMM" and our revision: written by a hypervisor (or
    /// a test loader standing in for it). Without it the inmate assumes QEMU virt's devices.</summary>
    public static bool IsPresent
    {
        get
        {
            byte* r = Region;
            return r[0] == (byte)'J' && r[1] == (byte)'H' && r[2] == (byte)'C' && r[3] == (byte)'O'
                && r[4] == (byte)'M' && r[5] == (byte)'M' && Mmio16.Read(r + RevisionField) == AbiRevision;
        }
    }

    public static uint Flags => Mmio32.Read(Region + FlagsField);

    /// <summary>The cell's struct jailhouse_console (32 bytes, configuration layout).</summary>
    public static byte* Console => Region + ConsoleField;

    public static uint GicVersion => Region[GicVersionField];
    public static ulong GicdBase => Mmio64.Read(Region + GicdBaseField);
    public static ulong GiccBase => Mmio64.Read(Region + GiccBaseField);
    public static ulong GicrBase => Mmio64.Read(Region + GicrBaseField);

    /// <summary>
    /// Whether the hypervisor has asked this cell to shut down and waits for the answer (given by
    /// <see cref="ApproveShutdown"/>). Any other message is answered here, since the hypervisor
    /// waits for that answer too: "reconfiguration completed" (sent to every cell after a cell
    /// was created or destroyed) with "received", anything else with "unknown".
    /// </summary>
    public static bool ShutdownRequested()
    {
        if (!IsPresent)
            return false;
        uint message = Mmio32.Read(Region + MsgToCellField);
        if (message == MsgShutdownRequest)
            return true;
        if (message != MsgNone)
        {
            Mmio32.Write(Region + MsgToCellField, MsgNone);
            Cpu.MemoryBarrier();
            Mmio32.Write(Region + ReplyFromCellField, message == MsgReconfigCompleted ? ReplyReceived : ReplyUnknown);
            Cpu.MemoryBarrier();
        }
        return false;
    }

    /// <summary>
    /// Answers a shutdown request with "approved", as upstream's jailhouse_send_reply_from_cell:
    /// the message is consumed first, then (ordered after it) the reply is posted; the cell also
    /// reports itself shut down. The hypervisor stops the cell's CPUs once it sees the reply, so
    /// the caller should only stop afterwards.
    /// </summary>
    public static void ApproveShutdown()
    {
        Mmio32.Write(Region + MsgToCellField, MsgNone);
        Cpu.MemoryBarrier();
        Mmio32.Write(Region + CellStateField, CellShutDown);
        Cpu.MemoryBarrier();
        Mmio32.Write(Region + ReplyFromCellField, ReplyRequestApproved);
        Cpu.MemoryBarrier();
    }
}
