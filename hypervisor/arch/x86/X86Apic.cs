namespace Jailhouse.Hypervisor;

/// <summary>
/// What the local APIC emulation does to the physical APIC of the CPU it runs on, and to other
/// CPUs. <see cref="X86InterruptHardware"/> fills it (xAPIC page or x2APIC MSRs); host tests
/// record the calls instead.
/// </summary>
internal unsafe struct X86ApicHardware
{
    /// <summary>Reads register <c>reg</c> (x2APIC numbering: xAPIC offset / 16).</summary>
    public delegate*<uint, uint> Read;
    public delegate*<uint, uint, void> Write;
    /// <summary>Sends ICR low word <c>icrLow</c> (physical destination, no shorthand) to the APIC with ID <c>apicId</c>.</summary>
    public delegate*<uint, uint, void> SendIpi;
    /// <summary>INIT (vector -1) or SIPI (vector 0-255) from CPU <c>sender</c> to CPU <c>target</c>
    /// of its cell, through the hypervisor's INIT/SIPI state (<see cref="X86InitSipi"/>).</summary>
    public delegate*<uint, uint, int, void> InitSipi;
    /// <summary>An IPI the emulation dropped (<see cref="X86Apic.NoteOutsideCell"/> or
    /// <see cref="X86Apic.NoteNmiIgnored"/>), the CPU it concerns and the value to report.</summary>
    public delegate*<uint, uint, uint, void> Note;
}

/// <summary>
/// The local APIC of a root-cell CPU, emulated where it matters for isolation (upstream's
/// apic.c design, our own code): the interrupt command register. An IPI reaches only CPUs of
/// the sender's cell (<see cref="SameCell"/>), whatever destination (physical, logical, the
/// shorthands) it names: each target gets its own physical IPI; INIT and SIPI go through the
/// hypervisor's state of the target (<see cref="X86InitSipi"/>); NMIs are dropped (upstream does
/// not virtualize them); SMI, the reserved modes and INIT, SIPI, lowest priority or NMI to
/// self or to all including self stop the cell. In xAPIC mode the APIC page is not mapped: every
/// access traps and is decoded; writes of reserved bits, a logical ID other than CPU n's bit
/// (LDR = 1 &lt;&lt; (24 + n), flat model), a cluster model (DFR) or an LVT delivery mode
/// other than fixed or NMI stop the cell, ID writes are dropped, everything else is performed.
/// In x2APIC mode only writes to the ICR (MSR 0x830) trap. Register numbers are x2APIC's
/// (MSR - 0x800 = xAPIC offset / 16).
/// </summary>
internal static unsafe class X86Apic
{
    public const ulong XapicBase = 0xfee00000;
    public const uint MsrBase = 0x800;
    public const uint MsrIcr = MsrBase + RegIcr;

    public const uint RegId = 0x02;
    public const uint RegLdr = 0x0d;
    public const uint RegDfr = 0x0e;
    public const uint RegLvtCmci = 0x2f;
    public const uint RegIcr = 0x30;
    public const uint RegIcrHigh = 0x31;
    public const uint RegLvtError = 0x37;

    public const uint IcrVectorMask = 0xff;
    public const uint IcrDeliveryMask = 7 << 8;
    public const uint DeliveryFixed = 0 << 8;
    public const uint DeliveryLowest = 1 << 8;
    public const uint DeliverySmi = 2 << 8;
    public const uint DeliveryNmi = 4 << 8;
    public const uint DeliveryInit = 5 << 8;
    public const uint DeliverySipi = 6 << 8;
    public const uint IcrLogical = 1 << 11;
    public const uint IcrDeliveryPending = 1 << 12;
    public const uint IcrLevelAssert = 1 << 14;
    public const uint IcrLevelTriggerMask = 3 << 14;
    public const uint IcrShorthandMask = 3 << 18;
    public const uint ShorthandNone = 0 << 18;
    public const uint ShorthandSelf = 1 << 18;
    public const uint ShorthandAll = 2 << 18;
    public const uint ShorthandAllOther = 3 << 18;
    public const uint LvtMasked = 1 << 16;

    /// <summary>Physical APIC IDs above this name no CPU (upstream's APIC_MAX_PHYS_ID; 255 is xAPIC broadcast).</summary>
    public const uint MaxApicId = 254;
    public const uint MaxCpus = 255;
    private const byte NoCpu = 0xff;
    /// <summary>What <see cref="ApicIdOfCpu"/> answers for a CPU that never registered.</summary>
    public const uint NoApicId = 0xffffffff;

    // Results of the emulation: done, or why the cell is stopped (the caller prints upstream's line).
    public const int Done = 0;
    /// <summary>"FATAL: Trying to set reserved APIC bits (reg %02x, value %08x)".</summary>
    public const int ReservedBits = 1;
    /// <summary>"FATAL: Unsupported/invalid APIC delivery mode, ICR.lo=%x".</summary>
    public const int InvalidDeliveryMode = 2;
    /// <summary>"FATAL: Unsupported change to LDR: %x".</summary>
    public const int LdrChange = 3;
    /// <summary>"FATAL: Unsupported change to DFR: %x".</summary>
    public const int DfrChange = 4;
    /// <summary>"FATAL: Setting invalid LVT delivery mode (reg %02x, value %08x)".</summary>
    public const int InvalidLvtMode = 5;
    /// <summary>"FATAL: Unsupported APIC access width %d".</summary>
    public const int AccessWidth = 6;
    /// <summary>"FATAL: Unhandled APIC access, offset %x" (not on a register's first byte).</summary>
    public const int Unaligned = 7;
    /// <summary>"FATAL: xAPIC access in x2APIC mode" or an x2APIC MSR in xAPIC mode.</summary>
    public const int WrongMode = 8;

    // What X86ApicHardware.Note reports.
    public const uint NoteOutsideCell = 1;
    public const uint NoteNmiIgnored = 2;

    private struct IdTable
    {
        public fixed byte CpuOfApicId[256];
        public fixed uint ApicIdOfCpu[256];
    }

    private static X86ApicHardware hardware;
    private static SystemConfig config;
    private static bool x2apic;
    private static IdTable ids;

    public static bool UsingX2apic => x2apic;

    /// <summary>Before any CPU registers: the root cell's configuration, the APIC mode all CPUs
    /// run in (IA32_APIC_BASE.EXTD of the first CPU) and the hardware access.</summary>
    public static void Init(in SystemConfig systemConfig, bool x2apicMode, in X86ApicHardware access)
    {
        config = systemConfig;
        x2apic = x2apicMode;
        hardware = access;
        for (int i = 0; i < 256; i++)
        {
            ids.CpuOfApicId[i] = NoCpu;
            ids.ApicIdOfCpu[i] = NoApicId;
        }
    }

    /// <summary>CPU <paramref name="cpu"/> has APIC ID <paramref name="apicId"/>: -ERANGE beyond
    /// the table, -EBUSY for an ID another CPU has.</summary>
    public static int RegisterCpu(uint cpu, uint apicId)
    {
        if (apicId > MaxApicId || cpu >= MaxCpus)
            return Errno.ERANGE;
        if (ids.CpuOfApicId[apicId] != NoCpu && ids.CpuOfApicId[apicId] != cpu)
            return Errno.EBUSY;
        ids.CpuOfApicId[apicId] = (byte)cpu;
        ids.ApicIdOfCpu[cpu] = apicId;
        return 0;
    }

    /// <summary>The CPU with physical APIC ID <paramref name="apicId"/>, or <see cref="MaxCpus"/> for none.</summary>
    public static uint CpuOfApicId(uint apicId) => apicId <= MaxApicId && ids.CpuOfApicId[apicId] != NoCpu ? ids.CpuOfApicId[apicId] : MaxCpus;

    public static uint ApicIdOfCpu(uint cpu) => cpu < MaxCpus ? ids.ApicIdOfCpu[cpu] : NoApicId;

    /// <summary>
    /// True if an interrupt or IPI of CPU <paramref name="fromCpu"/> may reach CPU
    /// <paramref name="cpu"/>: both are the same cell's. The one place that says it; while x86
    /// has only the root cell, that is both being the root cell's.
    /// </summary>
    public static bool SameCell(uint fromCpu, uint cpu) => InRootCell(fromCpu) && InRootCell(cpu);

    /// <summary>True if CPU <paramref name="cpu"/> runs the root cell (which may have programmed
    /// inactive interrupts with too broad a logical destination: those are narrowed, not refused).</summary>
    public static bool InRootCell(uint cpu) => cpu < MaxCpus && config.HasCpu(cpu);

    /// <summary>A logical destination with every CPU outside the cell of <paramref name="fromCpu"/>
    /// taken out: flat model, bit n = CPU n; x2APIC cluster model, cluster in bits 31:16 and a bit
    /// per APIC of the cluster in 15:0.</summary>
    public static uint FilterLogicalDestination(uint fromCpu, uint destination)
    {
        if (!x2apic)
        {
            for (uint cpu = 0; cpu < 8; cpu++)
                if ((destination & (1u << (int)cpu)) != 0 && !SameCell(fromCpu, cpu))
                    destination &= ~(1u << (int)cpu);
            return destination & 0xff;
        }
        uint cluster = destination >> 16;
        for (int bit = 0; bit < 16; bit++)
            if ((destination & (1u << bit)) != 0 && !SameCell(fromCpu, CpuOfApicId((cluster << 4) | (uint)bit)))
                destination &= ~(1u << bit);
        return destination;
    }

    /// <summary>The last register of the table (AMD's extended LVTs end at 0x53); beyond it every
    /// write is refused, even of 0 (upstream: unlisted registers are reserved).</summary>
    public const uint LastRegister = 0x53;

    /// <summary>Bits of register <paramref name="reg"/> a cell may not set (all of them: not writable).</summary>
    public static uint ReservedBitsOf(uint reg)
    {
        switch (reg)
        {
            case RegId: return x2apic ? ~0u : 0;       // xAPIC: written, but the write is dropped
            case 0x08: return 0xffffff00;              // TPR
            case 0x0b: return 0;                       // EOI
            case RegLdr:
            case RegDfr: return x2apic ? ~0u : 0;      // xAPIC: checked on their own
            case 0x0f: return 0xfffffc00;              // SVR
            case RegLvtCmci: return 0xfffee800;
            case RegIcr: return 0xfff33000;            // delivery status, reserved bits
            case RegIcrHigh: return x2apic ? ~0u : 0x00ffffff;
            case 0x32: return 0xfff8ef00;              // LVT timer
            case 0x33:
            case 0x34: return 0xfffee800;              // LVT thermal, performance counters
            case 0x35:
            case 0x36: return 0xfff0e800;              // LINT0, LINT1
            case RegLvtError: return 0xfffeef00;
            case 0x38: return 0;                       // initial count
            case 0x3e: return 0xfffffff4;              // divide configuration
            case 0x3f: return x2apic ? 0xffffff00 : ~0u; // self IPI: x2APIC only
            default: return ~0u;
        }
    }

    private static bool InvalidLvtDelivery(uint value)
    {
        uint mode = value & IcrDeliveryMask;
        return (value & LvtMasked) == 0 && mode != DeliveryFixed && mode != DeliveryNmi;
    }

    /// <summary>
    /// A write of the ICR by CPU <paramref name="sender"/>: <paramref name="low"/> the command,
    /// <paramref name="destination"/> the destination field (xAPIC: ICR high bits 31:24; x2APIC: the
    /// 32-bit ID or cluster/logical mask). Returns <see cref="Done"/> or <see cref="InvalidDeliveryMode"/>.
    /// </summary>
    public static int HandleIcrWrite(uint sender, uint low, uint destination)
    {
        uint shorthand = low & IcrShorthandMask;
        switch (low & IcrDeliveryMask)
        {
            case DeliveryFixed:
                break;
            case DeliveryLowest:
            case DeliveryNmi:
            case DeliveryInit:
            case DeliverySipi:
                if (shorthand == ShorthandNone || shorthand == ShorthandAllOther)
                    break;
                return InvalidDeliveryMode;
            default:
                return InvalidDeliveryMode;
        }
        if (shorthand == ShorthandSelf)
        {
            hardware.Write(RegIcr, low);
            return Done;
        }
        if (shorthand == ShorthandAll || shorthand == ShorthandAllOther)
        {
            uint command = low & (IcrLevelTriggerMask | IcrDeliveryMask | IcrVectorMask);
            for (uint cpu = 0; cpu < MaxCpus; cpu++)
                if (SameCell(sender, cpu) && (shorthand == ShorthandAll || cpu != sender))
                    SendToCpu(sender, cpu, 0, command);
            return Done;
        }
        if ((low & IcrLogical) != 0)
        {
            uint command = low & ~IcrLogical;
            if (x2apic)
            {
                // Cluster in bits 31:16, a bit per APIC of the cluster in 15:0 (ID = cluster << 4 | bit).
                uint cluster = destination >> 16;
                uint bits = destination & 0xffff;
                for (int bit = 0; bit < 16; bit++)
                    if ((bits & (1u << bit)) != 0)
                        SendToCpu(sender, CpuOfApicId((cluster << 4) | (uint)bit), destination, command);
            }
            else
            {
                // Flat model: bit n of the logical ID is CPU n (the LDR is held to that).
                for (uint cpu = 0; cpu < 8; cpu++)
                    if ((destination & (1u << (int)cpu)) != 0)
                        SendToCpu(sender, cpu, destination, command);
            }
            return Done;
        }
        SendToCpu(sender, CpuOfApicId(destination), destination, low);
        return Done;
    }

    private static void SendToCpu(uint sender, uint target, uint destination, uint command)
    {
        if (!SameCell(sender, target) || ApicIdOfCpu(target) == NoApicId)
        {
            hardware.Note(NoteOutsideCell, sender, destination);
            return;
        }
        switch (command & IcrDeliveryMask)
        {
            case DeliveryNmi:
                hardware.Note(NoteNmiIgnored, target, 0);
                return;
            case DeliveryInit:
                hardware.InitSipi(sender, target, -1);
                return;
            case DeliverySipi:
                hardware.InitSipi(sender, target, (int)(command & IcrVectorMask));
                return;
        }
        hardware.SendIpi(ApicIdOfCpu(target), command);
    }

    /// <summary>
    /// A trapped access of CPU <paramref name="cpu"/> to the xAPIC page at <paramref name="offset"/>:
    /// a read fills <paramref name="value"/>. Returns <see cref="Done"/> or why the cell is stopped.
    /// </summary>
    public static int XapicAccess(uint cpu, uint offset, uint size, bool isWrite, ref uint value)
    {
        if (x2apic)
            return WrongMode;
        if ((offset & 0xf) != 0 || offset >= 0x1000)
            return Unaligned;
        if (size != 4)
            return AccessWidth;
        uint reg = offset >> 4;
        if (!isWrite)
        {
            value = hardware.Read(reg);
            return Done;
        }
        if (reg > LastRegister || (ReservedBitsOf(reg) & value) != 0)
            return ReservedBits;
        switch (reg)
        {
            case RegIcr:
                return HandleIcrWrite(cpu, value, hardware.Read(RegIcrHigh) >> 24);
            case RegLdr:
                return cpu < 8 && value == 1u << (int)(cpu + 24) ? Write(reg, value) : LdrChange;
            case RegDfr:
                return value == 0xffffffff ? Write(reg, value) : DfrChange;
            case RegId:
                return Done;
        }
        if (reg >= RegLvtCmci && reg <= RegLvtError && reg != RegIcr && reg != RegIcrHigh && InvalidLvtDelivery(value))
            return InvalidLvtMode;
        return Write(reg, value);
    }

    /// <summary>WRMSR to the x2APIC ICR (the only x2APIC register that traps): EDX:EAX.</summary>
    public static int X2apicIcrWrite(uint cpu, uint low, uint high)
    {
        if (!x2apic)
            return WrongMode;
        if ((ReservedBitsOf(RegIcr) & low) != 0)
            return ReservedBits;
        return HandleIcrWrite(cpu, low, high);
    }

    private static int Write(uint reg, uint value)
    {
        hardware.Write(reg, value);
        return Done;
    }
}
