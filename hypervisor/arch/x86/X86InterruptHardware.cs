namespace Jailhouse.Hypervisor;

/// <summary>
/// The hardware side of the APIC and IOAPIC emulation (<see cref="X86Apic"/>,
/// <see cref="X86Ioapic"/>, <see cref="X86InitSipi"/>): the physical local APIC through its
/// xAPIC page (the host's uncached identity map) or the x2APIC MSRs, the IOAPICs' index/data
/// windows, INIT and SIPI delivery, the MMIO handlers of the trapped pages and upstream's
/// report lines.
/// </summary>
internal static unsafe class X86InterruptHardware
{
    private const ulong ApicBaseExtd = 1 << 10;
    private const ulong ApicBaseEnable = 1 << 11;

    /// <summary>The first CPU, on Linux's page tables still: the APIC mode from IA32_APIC_BASE
    /// (-EIO with the APIC off), the IOAPICs, the trapped pages registered for MMIO dispatch.</summary>
    public static int Init(in SystemConfig config, ref MmioDispatch mmio)
    {
        ulong apicBase = Arch.ReadMsr(X86Bitmaps.MsrApicBase);
        if ((apicBase & ApicBaseEnable) == 0)
            return Errno.EIO;
        bool x2apic = (apicBase & ApicBaseExtd) != 0;
        var apic = new X86ApicHardware { Note = &Note, InitSipi = &DeliverInitSipi };
        if (x2apic)
        {
            apic.Read = &ReadX2apic;
            apic.Write = &WriteX2apic;
            apic.SendIpi = &SendX2apicIpi;
        }
        else
        {
            apic.Read = &ReadXapic;
            apic.Write = &WriteXapic;
            apic.SendIpi = &SendXapicIpi;
        }
        X86Apic.Init(config, x2apic, apic);
        int result = X86Ioapic.Init(config, new X86IoapicHardware { Read = &ReadIoapic, Write = &WriteIoapic, WriteEoi = &WriteIoapicEoi });
        if (result != 0)
            return result;
        result = mmio.Register(X86Apic.XapicBase, PagePool.PageSize, &XapicHandler, null);
        for (uint chip = 0; result == 0 && chip < X86Ioapic.ChipCount; chip++)
        {
            ulong address = X86Ioapic.ChipAddress(chip);
            if (address + PagePool.PageSize > X86HostPaging.IdentitySize || (address & (PagePool.PageSize - 1)) != 0)
                return Errno.EINVAL;
            result = mmio.Register(address, PagePool.PageSize, &IoapicHandler, (void*)chip);
        }
        DebugConsole.Print(x2apic ? "Using x2APIC\n" : "Using xAPIC\n");
        return result;
    }

    /// <summary>Every CPU at set-up: its APIC ID (x2APIC: the ID register; xAPIC: CPUID's initial
    /// ID, the page is not mapped yet), the same mode as the first CPU, no INIT/SIPI state.</summary>
    public static int InitCpu(uint cpuId, PerCpu* cpu)
    {
        ulong apicBase = Arch.ReadMsr(X86Bitmaps.MsrApicBase);
        if (((apicBase & ApicBaseExtd) != 0) != X86Apic.UsingX2apic || (apicBase & ApicBaseEnable) == 0)
            return Errno.EIO;
        uint apicId;
        if (X86Apic.UsingX2apic)
        {
            apicId = (uint)Arch.ReadMsr(X86Apic.MsrBase + X86Apic.RegId);
        }
        else
        {
            uint* registers = stackalloc uint[4];
            Arch.Cpuid(1, 0, registers);
            apicId = registers[1] >> 24;
        }
        X86InitSipi.Reset(cpu);
        int result = X86Apic.RegisterCpu(cpuId, apicId);
        if (result == 0)
        {
            DebugConsole.BeginLine(cpuId);
            DebugConsole.Print("CPU %d: APIC ID %d\n", cpuId, apicId);
            DebugConsole.EndLine();
        }
        return result;
    }

    /// <summary>True if a write of IA32_APIC_BASE keeps the mode and the base (the emulation
    /// depends on both; upstream refuses every write).</summary>
    public static bool ApicBaseWriteAllowed(ulong value) =>
        (value & (ApicBaseExtd | ApicBaseEnable | ~0xfffUL)) == (Arch.ReadMsr(X86Bitmaps.MsrApicBase) & (ApicBaseExtd | ApicBaseEnable | ~0xfffUL));

    private static byte* XapicRegister(uint reg) => X86HostPaging.Device(X86Apic.XapicBase) + reg * 16;

    private static uint ReadXapic(uint reg) => Mmio32.Read(XapicRegister(reg));

    private static void WriteXapic(uint reg, uint value) => Mmio32.Write(XapicRegister(reg), value);

    private static void SendXapicIpi(uint apicId, uint icrLow)
    {
        while ((ReadXapic(X86Apic.RegIcr) & X86Apic.IcrDeliveryPending) != 0)
        {
        }
        WriteXapic(X86Apic.RegIcrHigh, apicId << 24);
        WriteXapic(X86Apic.RegIcr, icrLow);
    }

    private static uint ReadX2apic(uint reg) => (uint)Arch.ReadMsr(X86Apic.MsrBase + reg);

    private static void WriteX2apic(uint reg, uint value) => Arch.WriteMsr(X86Apic.MsrBase + reg, value);

    private static void SendX2apicIpi(uint apicId, uint icrLow)
    {
        // What the cell wrote before its ICR write must be visible to the target (SDM 10.12.3).
        Arch.MemoryBarrier();
        Arch.WriteMsr(X86Apic.MsrIcr, ((ulong)apicId << 32) | icrLow);
    }

    /// <summary>
    /// INIT (vector -1) or SIPI from <paramref name="sender"/> to <paramref name="target"/>. An
    /// INIT is a physical INIT, whose VM exit on the target takes it (Exits); its sender waits
    /// until it arrived (the delivery status a real APIC would show), unless the target leaves
    /// the hypervisor or an INIT for the sender itself is pending (two CPUs sending each other
    /// INIT would wait for each other, their INITs held back while in the hypervisor). A SIPI
    /// only records the vector: the target waits for it in the hypervisor since its INIT exit.
    /// (A physical SIPI into wait-for-SIPI works on hardware, but Bochs takes that VM exit in
    /// the sending CPU's context and the target's next VM entry fails: "VMCS SMI blocked when
    /// not in SMM mode", measured.)
    /// </summary>
    private static void DeliverInitSipi(uint sender, uint target, int vector)
    {
        PerCpu* targetCpu = ArchSetup.Hypercalls.Cpu(target);
        PerCpu* senderCpu = ArchSetup.Hypercalls.Cpu(sender);
        uint apicId = X86Apic.ApicIdOfCpu(target);
        if (vector >= 0)
        {
            X86InitSipi.SignalSipi(sender, targetCpu, (uint)vector);
            return;
        }
        if (!X86InitSipi.SignalInit(sender, targetCpu))
            return;
        SendIpi(apicId, X86Apic.DeliveryInit | X86Apic.IcrLevelAssert);
        while (X86InitSipi.InitPending(targetCpu) && Arch.LoadAcquire(ref targetCpu->PowerState) == PowerState.Running
            && !X86InitSipi.InitPending(senderCpu))
        {
        }
    }

    private static void SendIpi(uint apicId, uint icrLow)
    {
        if (X86Apic.UsingX2apic)
            SendX2apicIpi(apicId, icrLow);
        else
            SendXapicIpi(apicId, icrLow);
    }

    private static void Note(uint what, uint cpu, uint value)
    {
        DebugConsole.BeginLine(cpu);
        if (what == X86Apic.NoteNmiIgnored)
            DebugConsole.Print("Ignoring NMI IPI to CPU %d\n", cpu);
        else
            DebugConsole.Print("WARNING: CPU %d specified IPI destination outside cell boundaries, ICR.hi=%x\n", cpu, value);
        DebugConsole.EndLine();
    }

    private static uint ReadIoapic(ulong chipAddress, uint index)
    {
        byte* window = X86HostPaging.Device(chipAddress);
        Mmio32.Write(window + X86Ioapic.RegisterIndex, index);
        return Mmio32.Read(window + X86Ioapic.RegisterData);
    }

    private static void WriteIoapic(ulong chipAddress, uint index, uint value)
    {
        byte* window = X86HostPaging.Device(chipAddress);
        Mmio32.Write(window + X86Ioapic.RegisterIndex, index);
        Mmio32.Write(window + X86Ioapic.RegisterData, value);
    }

    private static void WriteIoapicEoi(ulong chipAddress, uint value) =>
        Mmio32.Write(X86HostPaging.Device(chipAddress) + X86Ioapic.RegisterEoi, value);

    private static int XapicHandler(void* argument, MmioAccess* access)
    {
        uint value = (uint)access->Value;
        int result = X86Apic.XapicAccess(access->Cpu, (uint)access->Address, access->Size, access->IsWrite, ref value);
        if (result == X86Apic.Done)
        {
            access->Value = value;
            return MmioResult.Handled;
        }
        uint reg = (uint)access->Address >> 4;
        DebugConsole.BeginLine(access->Cpu);
        switch (result)
        {
            case X86Apic.ReservedBits:
                DebugConsole.Print("FATAL: Trying to set reserved APIC bits (reg %02x, value %08x)\n", reg, value);
                break;
            case X86Apic.InvalidDeliveryMode:
                DebugConsole.Print("FATAL: Unsupported/invalid APIC delivery mode, ICR.lo=%x\n", value);
                break;
            case X86Apic.LdrChange:
                DebugConsole.Print("FATAL: Unsupported change to LDR: %x\n", value);
                break;
            case X86Apic.DfrChange:
                DebugConsole.Print("FATAL: Unsupported change to DFR: %x\n", value);
                break;
            case X86Apic.InvalidLvtMode:
                DebugConsole.Print("FATAL: Setting invalid LVT delivery mode (reg %02x, value %08x)\n", reg, value);
                break;
            case X86Apic.AccessWidth:
                DebugConsole.Print("FATAL: Unsupported APIC access width %d\n", access->Size);
                break;
            case X86Apic.WrongMode:
                DebugConsole.Print("FATAL: xAPIC access in x2APIC mode\n");
                break;
            default:
                DebugConsole.Print("FATAL: Unhandled APIC access, offset %x\n", access->Address);
                break;
        }
        DebugConsole.EndLine();
        return MmioResult.Error;
    }

    /// <summary>WRMSR to the x2APIC ICR; false (after the report) stops the cell.</summary>
    public static bool X2apicIcrWrite(uint cpu, uint low, uint high)
    {
        int result = X86Apic.X2apicIcrWrite(cpu, low, high);
        if (result == X86Apic.Done)
            return true;
        DebugConsole.BeginLine(cpu);
        if (result == X86Apic.ReservedBits)
            DebugConsole.Print("FATAL: Trying to set reserved APIC bits (reg %02x, value %08x)\n", X86Apic.RegIcr, low);
        else if (result == X86Apic.InvalidDeliveryMode)
            DebugConsole.Print("FATAL: Unsupported/invalid APIC delivery mode, ICR.lo=%x\n", low);
        else
            DebugConsole.Print("FATAL: Unhandled MSR write: %x\n", X86Apic.MsrIcr);
        DebugConsole.EndLine();
        return false;
    }

    private static int IoapicHandler(void* argument, MmioAccess* access)
    {
        uint value = (uint)access->Value;
        int result = X86Ioapic.Access(access->Cpu, (uint)(ulong)argument, (uint)access->Address, access->Size, access->IsWrite, ref value, out uint index);
        if (result == X86Ioapic.Done)
        {
            access->Value = value;
            return MmioResult.Handled;
        }
        DebugConsole.BeginLine(access->Cpu);
        DebugConsole.Print(access->IsWrite ? "FATAL: Invalid IOAPIC write, reg: %x, index: %x\n" : "FATAL: Invalid IOAPIC read, reg: %x, index: %x\n",
            access->Address, index);
        DebugConsole.EndLine();
        return MmioResult.Error;
    }
}
