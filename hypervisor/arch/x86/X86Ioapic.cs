namespace Jailhouse.Hypervisor;

/// <summary>Register access to a physical IOAPIC (<see cref="X86InterruptHardware"/>; host tests record).</summary>
internal unsafe struct X86IoapicHardware
{
    /// <summary>Reads register <c>index</c> of the IOAPIC at <c>chipAddress</c> through its index/data window.</summary>
    public delegate*<ulong, uint, uint> Read;
    public delegate*<ulong, uint, uint, void> Write;
    /// <summary>Writes the EOI register (offset 0x40).</summary>
    public delegate*<ulong, uint, void> WriteEoi;
}

/// <summary>
/// The IOAPICs of the root cell's irqchips, emulated (upstream's ioapic.c design, our own
/// code): their page is not mapped, every access traps. The index register (offset 0) is kept
/// per chip by the hypervisor, the data window (0x10) reads the physical registers below the
/// redirection table (ID, version, arbitration) and refuses writes there; a redirection entry
/// (index 0x10 + 2 * pin, low and high word) is the cell's only if its irqchip's pin bitmap
/// lists the pin (<see cref="OwnsPin"/>): for other pins reads give 0 and writes vanish, as
/// upstream. An unmasked entry must have fixed or lowest-priority delivery and a destination
/// among the cell's CPUs: a physical APIC ID of one, or a logical mask, which for the root
/// cell is narrowed to its CPUs (Linux programs inactive vectors broadly) and otherwise must
/// not name others. The EOI register (0x40) is written through for a cell with pins. Anything
/// else (other offsets, indexes past the last pin, accesses of other than 4 bytes) stops the
/// cell: "FATAL: Invalid IOAPIC write, reg: 10, index: 3".
/// </summary>
internal static unsafe class X86Ioapic
{
    public const uint RegisterIndex = 0x00;
    public const uint RegisterData = 0x10;
    public const uint RegisterEoi = 0x40;
    public const uint IndexVersion = 0x01;
    public const uint RedirectionTable = 0x10;
    public const ulong EntryMasked = 1UL << 16;
    /// <summary>The configuration's pin bitmap has 128 bits.</summary>
    public const uint MaxPins = 128;
    public const uint MaxChips = 8;

    public const int Done = 0;
    /// <summary>Refused: the caller prints upstream's "FATAL: Invalid IOAPIC read/write, reg: %x, index: %x".</summary>
    public const int Invalid = 1;

    private struct ChipTable
    {
        public fixed ulong Address[(int)MaxChips];
        /// <summary>The index register as the cell last wrote it.</summary>
        public fixed uint Index[(int)MaxChips];
        /// <summary>Redirection entries (from the version register), 0 until first needed.</summary>
        public fixed uint Pins[(int)MaxChips];
    }

    private static X86IoapicHardware hardware;
    private static ChipTable chips;
    private static uint chipCount;
    private static SystemConfig config;
    private static SpinLock chipLock;

    /// <summary>The root cell's irqchips, one emulated IOAPIC per distinct address: -ERANGE beyond <see cref="MaxChips"/>.</summary>
    public static int Init(in SystemConfig systemConfig, in X86IoapicHardware access)
    {
        config = systemConfig;
        hardware = access;
        chipCount = 0;
        for (uint i = 0; i < systemConfig.IrqchipCount; i++)
        {
            ulong address = systemConfig.IrqchipAddress(i);
            if (ChipOf(address) >= 0)
                continue;
            if (chipCount == MaxChips)
                return Errno.ERANGE;
            chips.Address[chipCount] = address;
            chips.Index[chipCount] = 0;
            chips.Pins[chipCount] = 0;
            chipCount++;
        }
        return 0;
    }

    public static uint ChipCount => chipCount;

    public static ulong ChipAddress(uint chip) => chips.Address[chip];

    private static int ChipOf(ulong address)
    {
        for (uint i = 0; i < chipCount; i++)
            if (chips.Address[i] == address)
                return (int)i;
        return -1;
    }

    /// <summary>True if the cell of CPU <paramref name="cpu"/> owns <paramref name="pin"/> of the
    /// IOAPIC at <paramref name="chipAddress"/>. The one place that says it; while x86 has only the
    /// root cell, its irqchips' pin bitmaps.</summary>
    public static bool OwnsPin(uint cpu, ulong chipAddress, uint pin) =>
        X86Apic.InRootCell(cpu) && config.RootDesc.HasPin(chipAddress, pin);

    /// <summary>
    /// Checks an unmasked redirection entry written by CPU <paramref name="cpu"/> and narrows a
    /// logical destination to the cell's CPUs where that is allowed. False: refused.
    /// </summary>
    public static bool FilterEntry(uint cpu, ref ulong entry)
    {
        ulong mode = (entry >> 8) & 7;
        if (mode != 0 && mode != 1)
            return false;
        uint destination = (uint)(entry >> 56);
        if ((entry & (1UL << 11)) == 0)
            return X86Apic.SameCell(cpu, X86Apic.CpuOfApicId(destination));
        uint filtered = X86Apic.FilterLogicalDestination(cpu, destination) & 0xff;
        if (filtered != destination && !X86Apic.InRootCell(cpu))
            return false;
        entry = (entry & ~(0xffUL << 56)) | ((ulong)filtered << 56);
        return true;
    }

    /// <summary>
    /// An access of CPU <paramref name="cpu"/> at <paramref name="offset"/> in the page of IOAPIC
    /// <paramref name="chip"/>; a read fills <paramref name="value"/>. Returns <see cref="Done"/> or
    /// <see cref="Invalid"/>; <paramref name="index"/> is the index register, for the report.
    /// </summary>
    public static int Access(uint cpu, uint chip, uint offset, uint size, bool isWrite, ref uint value, out uint index)
    {
        index = 0;
        if (chip >= chipCount || size != 4)
            return Invalid;
        chipLock.Acquire(cpu);
        index = chips.Index[chip];
        int result = AccessLocked(cpu, chip, offset, isWrite, ref value);
        chipLock.Release();
        return result;
    }

    private static int AccessLocked(uint cpu, uint chip, uint offset, bool isWrite, ref uint value)
    {
        ulong address = chips.Address[chip];
        switch (offset)
        {
            case RegisterIndex:
                if (isWrite)
                    chips.Index[chip] = value & 0xff;
                else
                    value = chips.Index[chip];
                return Done;
            case RegisterEoi:
                if (!isWrite || !HasAnyPin(cpu, address))
                    return Invalid;
                // Any vector: telling apart another cell's would need the interrupt's history (as upstream).
                hardware.WriteEoi(address, value);
                return Done;
            case RegisterData:
                break;
            default:
                return Invalid;
        }
        uint index = chips.Index[chip];
        if (index < RedirectionTable)
        {
            if (isWrite)
                return Invalid;
            value = hardware.Read(address, index);
            return Done;
        }
        if (chips.Pins[chip] == 0)
        {
            uint pins = ((hardware.Read(address, IndexVersion) >> 16) & 0xff) + 1;
            chips.Pins[chip] = pins < MaxPins ? pins : MaxPins;
        }
        uint pin = (index - RedirectionTable) / 2;
        if (pin >= chips.Pins[chip])
            return Invalid;
        if (!OwnsPin(cpu, address, pin))
        {
            if (!isWrite)
                value = 0;
            return Done;
        }
        if (!isWrite)
        {
            value = hardware.Read(address, index);
            return Done;
        }
        uint low = RedirectionTable + 2 * pin;
        ulong entry = hardware.Read(address, low) | ((ulong)hardware.Read(address, low + 1) << 32);
        entry = (index & 1) == 0 ? (entry & ~0xffffffffUL) | value : (entry & 0xffffffffUL) | ((ulong)value << 32);
        if ((entry & EntryMasked) != 0)
        {
            // Masked first, so no half-written entry is ever live.
            hardware.Write(address, low, (uint)entry);
            hardware.Write(address, low + 1, (uint)(entry >> 32));
            return Done;
        }
        if (!FilterEntry(cpu, ref entry))
            return Invalid;
        hardware.Write(address, low + 1, (uint)(entry >> 32));
        hardware.Write(address, low, (uint)entry);
        return Done;
    }

    private static bool HasAnyPin(uint cpu, ulong address)
    {
        for (uint pin = 0; pin < MaxPins; pin++)
            if (OwnsPin(cpu, address, pin))
                return true;
        return false;
    }
}
