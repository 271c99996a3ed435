using System.Runtime.InteropServices;
using Jailhouse.Hypervisor;

namespace Jailhouse.Tests.Hypervisor;

/// <summary>
/// The x86 interrupt emulation on the host, against the qemu-x86 root cell narrowed to CPUs
/// 0-1 and IOAPIC pins 0-23 without pin 5: the ICR filter (every destination form reaches only
/// the sender's cell, INIT/SIPI through the hypervisor, refused modes), the xAPIC register rules,
/// x2APIC cluster destinations, the IOAPIC window and redirection-entry rules, and the INIT/SIPI
/// state machine. The hardware side is recorded.
/// </summary>
[Collection("X86InterruptEmulation")]
public sealed unsafe class X86ApicTests : IDisposable
{
    private const ulong Ioapic = 0xfec00000;
    private static readonly List<string> Calls = [];
    private static readonly Dictionary<uint, uint> ApicRegisters = [];
    private static readonly Dictionary<uint, uint> IoapicRegisters = [];

    private readonly HypervisorTestMemory memory;

    public X86ApicTests()
    {
        var model = HypervisorTestMemory.LoadYaml("configs/qemu-x86/qemu-x86.yaml");
        model.Cell.Cpus = [0, 1];
        model.Cell.Irqchips[0].PinBitmap[0] &= ~(1u << 5);
        memory = new HypervisorTestMemory(HypervisorTestMemory.Compile(model), 1);
        Calls.Clear();
        ApicRegisters.Clear();
        IoapicRegisters.Clear();
        UseMode(x2apic: false);
    }

    public void Dispose() => memory.Dispose();

    /// <summary>CPUs 0 and 1 (the cell's) have APIC IDs 0 and 2; CPU 2 (not the cell's) has 4.</summary>
    private void UseMode(bool x2apic)
    {
        X86Apic.Init(memory.View, x2apic, new X86ApicHardware
        {
            Read = &ReadApic, Write = &WriteApic, SendIpi = &SendIpi, InitSipi = &InitSipi, Note = &Note,
        });
        Assert.Equal(0, X86Apic.RegisterCpu(0, 0));
        Assert.Equal(0, X86Apic.RegisterCpu(1, 2));
        Assert.Equal(0, X86Apic.RegisterCpu(2, 4));
        Assert.Equal(0, X86Ioapic.Init(memory.View, new X86IoapicHardware { Read = &ReadIoapic, Write = &WriteIoapic, WriteEoi = &WriteEoi }));
        Calls.Clear();
    }

    private static uint ReadApic(uint reg) => ApicRegisters.GetValueOrDefault(reg);
    private static void WriteApic(uint reg, uint value) { Calls.Add($"write {reg:x2} {value:x}"); ApicRegisters[reg] = value; }
    private static void SendIpi(uint apicId, uint low) => Calls.Add($"ipi apic {apicId} {low:x}");
    private static void InitSipi(uint sender, uint target, int vector) => Calls.Add(vector < 0 ? $"init {sender}->{target}" : $"sipi {sender}->{target} {vector:x}");
    private static void Note(uint what, uint cpu, uint value) => Calls.Add(what == X86Apic.NoteNmiIgnored ? $"nmi ignored {cpu}" : $"outside cell from {cpu} {value:x}");

    private static uint ReadIoapic(ulong chip, uint index)
    {
        Assert.Equal(Ioapic, chip);
        // Version register: 24 redirection entries (maximum entry 23 in bits 23:16).
        return index == X86Ioapic.IndexVersion ? 0x00170011u : IoapicRegisters.GetValueOrDefault(index);
    }

    private static void WriteIoapic(ulong chip, uint index, uint value) { Calls.Add($"ioapic {index:x2} {value:x}"); IoapicRegisters[index] = value; }
    private static void WriteEoi(ulong chip, uint value) => Calls.Add($"eoi {value:x}");

    [Fact]
    public void PhysicalIpisReachOnlyCpusOfTheSendersCell()
    {
        Assert.Equal(X86Apic.Done, X86Apic.HandleIcrWrite(0, 0x000040fd, 2));   // fixed, vector 0xfd, APIC ID 2 = CPU 1
        Assert.Equal(X86Apic.Done, X86Apic.HandleIcrWrite(0, 0x000040fd, 4));   // APIC ID 4: CPU 2, another cell's
        Assert.Equal(X86Apic.Done, X86Apic.HandleIcrWrite(0, 0x000040fd, 7));   // nobody's
        Assert.Equal(X86Apic.Done, X86Apic.HandleIcrWrite(0, 0x000040fd, 0xff)); // xAPIC broadcast ID
        Assert.Equal(["ipi apic 2 40fd", "outside cell from 0 4", "outside cell from 0 7", "outside cell from 0 ff"], Calls);
    }

    [Fact]
    public void LogicalAndShorthandIpisAreSplitIntoPhysicalOnesWithinTheCell()
    {
        // Flat logical destination 0b111: CPUs 0 and 1 get physical IPIs, CPU 2's bit is dropped.
        Assert.Equal(X86Apic.Done, X86Apic.HandleIcrWrite(1, 0x000048ec, 0x07));
        Assert.Equal(["ipi apic 0 40ec", "ipi apic 2 40ec", "outside cell from 1 7"], Calls);
        Calls.Clear();
        Assert.Equal(X86Apic.Done, X86Apic.HandleIcrWrite(0, 0x000c40ec, 0));   // all but self
        Assert.Equal(X86Apic.Done, X86Apic.HandleIcrWrite(0, 0x000840ec, 0));   // all including self
        Assert.Equal(X86Apic.Done, X86Apic.HandleIcrWrite(1, 0x000440ec, 0));   // self: the hardware does it
        Assert.Equal(["ipi apic 2 40ec", "ipi apic 0 40ec", "ipi apic 2 40ec", "write 30 440ec"], Calls);
    }

    [Fact]
    public void InitAndSipiGoThroughTheHypervisorNmisAreDroppedAndOtherModesStopTheCell()
    {
        Assert.Equal(X86Apic.Done, X86Apic.HandleIcrWrite(0, 0x0000c500, 2));   // INIT assert, level
        Assert.Equal(X86Apic.Done, X86Apic.HandleIcrWrite(0, 0x00008500, 2));   // INIT de-assert
        Assert.Equal(X86Apic.Done, X86Apic.HandleIcrWrite(0, 0x0000069a, 2));   // SIPI vector 0x9a
        Assert.Equal(X86Apic.Done, X86Apic.HandleIcrWrite(0, 0x000c4500, 0));   // INIT to all others
        Assert.Equal(X86Apic.Done, X86Apic.HandleIcrWrite(0, 0x00004400, 2));   // NMI
        Assert.Equal(X86Apic.Done, X86Apic.HandleIcrWrite(0, 0x00004500, 4));   // INIT to another cell's CPU
        Assert.Equal(["init 0->1", "init 0->1", "sipi 0->1 9a", "init 0->1", "nmi ignored 1", "outside cell from 0 4"], Calls);
        Calls.Clear();
        Assert.Equal(X86Apic.InvalidDeliveryMode, X86Apic.HandleIcrWrite(0, 0x00004200, 2));  // SMI
        Assert.Equal(X86Apic.InvalidDeliveryMode, X86Apic.HandleIcrWrite(0, 0x00004300, 2));  // reserved
        Assert.Equal(X86Apic.InvalidDeliveryMode, X86Apic.HandleIcrWrite(0, 0x00004700, 2));  // ExtINT
        Assert.Equal(X86Apic.InvalidDeliveryMode, X86Apic.HandleIcrWrite(0, 0x00044500, 0));  // INIT to self
        Assert.Equal(X86Apic.InvalidDeliveryMode, X86Apic.HandleIcrWrite(0, 0x00084600, 0));  // SIPI to all
        Assert.Equal(X86Apic.InvalidDeliveryMode, X86Apic.HandleIcrWrite(0, 0x000441fd, 0));  // lowest priority to self
        Assert.Empty(Calls);
    }

    private static int Xapic(uint cpu, uint offset, uint value, uint size = 4) => X86Apic.XapicAccess(cpu, offset, size, true, ref value);

    [Fact]
    public void XapicRegisterWritesFollowUpstreamsRules()
    {
        Assert.Equal(X86Apic.Done, Xapic(0, 0x0b0, 0));                          // EOI
        Assert.Equal(X86Apic.ReservedBits, Xapic(0, 0x080, 0x100));              // TPR bit 8
        Assert.Equal(X86Apic.Done, Xapic(0, 0x080, 0x20));
        Assert.Equal(X86Apic.Done, Xapic(1, 0x0d0, 0x02000000));                 // LDR: CPU 1's bit
        Assert.Equal(X86Apic.LdrChange, Xapic(1, 0x0d0, 0x01000000));            // CPU 0's bit
        Assert.Equal(X86Apic.Done, Xapic(0, 0x0e0, 0xffffffff));                 // DFR flat
        Assert.Equal(X86Apic.DfrChange, Xapic(0, 0x0e0, 0x0fffffff));            // cluster model
        Assert.Equal(X86Apic.InvalidLvtMode, Xapic(0, 0x350, 0x700));            // LINT0 ExtINT, unmasked
        Assert.Equal(X86Apic.Done, Xapic(0, 0x350, 0x10700));                    // masked
        Assert.Equal(X86Apic.Done, Xapic(0, 0x360, 0x400));                      // LINT1 NMI
        Assert.Equal(X86Apic.InvalidLvtMode, Xapic(0, 0x330, 0x200));            // thermal SMI
        Assert.Equal(X86Apic.ReservedBits, Xapic(0, 0x320, 0x200));              // the timer has no delivery mode
        Assert.Equal(X86Apic.Done, Xapic(0, 0x020, 0x05000000));                 // ID: dropped
        Assert.Equal(X86Apic.ReservedBits, Xapic(0, 0x280, 1));                  // ESR: only 0
        Assert.Equal(X86Apic.ReservedBits, Xapic(0, 0x3f0, 0x30));               // self IPI: x2APIC only
        Assert.Equal(X86Apic.ReservedBits, Xapic(0, 0x100, 1));                  // ISR: read-only
        Assert.Equal(X86Apic.Done, Xapic(0, 0x100, 0));                          // 0 into a listed register passes, as upstream
        Assert.Equal(X86Apic.ReservedBits, Xapic(0, 0x540, 0));                  // beyond the table: never
        Assert.Equal(X86Apic.AccessWidth, Xapic(0, 0x0b0, 0, size: 2));
        Assert.Equal(X86Apic.Unaligned, Xapic(0, 0x0b4, 0));
        Assert.Equal(["write 0b 0", "write 08 20", "write 0d 2000000", "write 0e ffffffff", "write 35 10700", "write 36 400", "write 10 0"], Calls);
    }

    [Fact]
    public void XapicReadsPassAndIcrWritesTakeTheDestinationFromIcrHigh()
    {
        ApicRegisters[0x03] = 0x50014;
        uint value = 0;
        Assert.Equal(X86Apic.Done, X86Apic.XapicAccess(0, 0x030, 4, false, ref value));
        Assert.Equal(0x50014u, value);
        Assert.Equal(X86Apic.Done, Xapic(0, 0x310, 0x02000000));                 // ICR high: APIC ID 2
        Assert.Equal(X86Apic.ReservedBits, Xapic(0, 0x310, 0x00000001));
        Assert.Equal(X86Apic.Done, Xapic(0, 0x300, 0x000040fb));
        Assert.Equal(X86Apic.ReservedBits, Xapic(0, 0x300, 0x000050fb));         // delivery status is read-only
        Assert.Equal(["write 31 2000000", "ipi apic 2 40fb"], Calls);
        // In x2APIC mode the page is not the APIC.
        UseMode(x2apic: true);
        Assert.Equal(X86Apic.WrongMode, X86Apic.XapicAccess(0, 0x030, 4, false, ref value));
    }

    [Fact]
    public void X2apicClusterDestinationsMapToApicIdsOfTheCell()
    {
        Assert.Equal(X86Apic.WrongMode, X86Apic.X2apicIcrWrite(0, 0x40fd, 2));
        UseMode(x2apic: true);
        // Cluster 0, bits 0, 2 and 4: APIC IDs 0, 2 (the cell's CPUs 0 and 1) and 4 (CPU 2: not).
        Assert.Equal(X86Apic.Done, X86Apic.X2apicIcrWrite(1, 0x48fd, 0x00000015));
        // Cluster 1, bit 0: APIC ID 16, nobody's.
        Assert.Equal(X86Apic.Done, X86Apic.X2apicIcrWrite(1, 0x48fd, 0x00010001));
        Assert.Equal(X86Apic.Done, X86Apic.X2apicIcrWrite(1, 0x40fd, 2));        // physical, 32-bit ID
        Assert.Equal(["ipi apic 0 40fd", "ipi apic 2 40fd", "outside cell from 1 15", "outside cell from 1 10001", "ipi apic 2 40fd"], Calls);
        Assert.Equal(X86Apic.ReservedBits, X86Apic.X2apicIcrWrite(1, 0x50fd, 2));
        Assert.Equal(0x15u & ~0x10u, X86Apic.FilterLogicalDestination(0, 0x15));
    }

    [Fact]
    public void ApicIdsAreRegisteredOnce()
    {
        Assert.Equal(Errno.EBUSY, X86Apic.RegisterCpu(3, 2));
        Assert.Equal(Errno.ERANGE, X86Apic.RegisterCpu(3, 255));
        Assert.Equal(1u, X86Apic.CpuOfApicId(2));
        Assert.Equal(X86Apic.MaxCpus, X86Apic.CpuOfApicId(3));
        Assert.Equal(X86Apic.NoApicId, X86Apic.ApicIdOfCpu(3));
    }

    private static int Ioapic32(uint cpu, uint offset, bool write, ref uint value) =>
        X86Ioapic.Access(cpu, 0, offset, 4, write, ref value, out _);

    private static int SelectAndWrite(uint cpu, uint index, uint value)
    {
        int result = Ioapic32(cpu, X86Ioapic.RegisterIndex, true, ref index);
        Assert.Equal(X86Ioapic.Done, result);
        return Ioapic32(cpu, X86Ioapic.RegisterData, true, ref value);
    }

    private static uint SelectAndRead(uint cpu, uint index)
    {
        uint value = 0;
        Assert.Equal(X86Ioapic.Done, Ioapic32(cpu, X86Ioapic.RegisterIndex, true, ref index));
        Assert.Equal(X86Ioapic.Done, Ioapic32(cpu, X86Ioapic.RegisterData, false, ref value));
        return value;
    }

    [Fact]
    public void IoapicWindowReadsRegistersAndRefusesWritesBelowTheTable()
    {
        Assert.Equal(0x00170011u, SelectAndRead(0, X86Ioapic.IndexVersion));
        uint index = 0;
        Assert.Equal(X86Ioapic.Done, Ioapic32(0, X86Ioapic.RegisterIndex, false, ref index));
        Assert.Equal(X86Ioapic.IndexVersion, index);
        Assert.Equal(X86Ioapic.Invalid, SelectAndWrite(0, 0x00, 0x05000000));       // ID
        Assert.Equal(X86Ioapic.Invalid, SelectAndWrite(0, 0x10 + 2 * 24, 0x10000));  // past pin 23
        uint value = 0;
        Assert.Equal(X86Ioapic.Invalid, Ioapic32(0, 0x20, false, ref value));          // no register there
        Assert.Equal(X86Ioapic.Invalid, X86Ioapic.Access(0, 0, X86Ioapic.RegisterData, 2, false, ref value, out _));
        Assert.Equal(X86Ioapic.Invalid, Ioapic32(0, X86Ioapic.RegisterEoi, false, ref value));
        value = 0x31;
        Assert.Equal(X86Ioapic.Done, Ioapic32(0, X86Ioapic.RegisterEoi, true, ref value));
        Assert.Equal(["eoi 31"], Calls);
    }

    [Fact]
    public void RedirectionEntriesOfTheCellsPinsAreCheckedAndNarrowed()
    {
        IoapicRegisters[0x18] = 0x10000;
        // Pin 4 (the serial port), masked: physical destination APIC ID 2 = CPU 1, then vector 0x24, unmasked.
        Assert.Equal(X86Ioapic.Done, SelectAndWrite(0, 0x19, 0x02000000));
        Assert.Equal(X86Ioapic.Done, SelectAndWrite(0, 0x18, 0x00000024));
        Assert.Equal(0x24u, SelectAndRead(0, 0x18));
        // Physical destination APIC ID 4 (CPU 2, not the cell's) while unmasked: refused.
        Assert.Equal(X86Ioapic.Invalid, SelectAndWrite(0, 0x19, 0x04000000));
        // Logical destination 0x02 (CPU 1), then 0xff: narrowed to the cell's CPUs 0-1 for the root cell.
        Assert.Equal(X86Ioapic.Done, SelectAndWrite(0, 0x18, 0x00000824));
        Assert.Equal(X86Ioapic.Done, SelectAndWrite(0, 0x19, 0xff000000));
        Assert.Equal(0x03000000u, SelectAndRead(0, 0x19));
        // SMI delivery unmasked: refused; masked anything goes (Linux parks entries that way).
        Assert.Equal(X86Ioapic.Invalid, SelectAndWrite(0, 0x18, 0x00000224));
        Assert.Equal(X86Ioapic.Done, SelectAndWrite(0, 0x18, 0x00010224));
        Assert.Equal(["ioapic 18 10000", "ioapic 19 2000000",          // masked: low word first
            "ioapic 19 2000000", "ioapic 18 24",                             // unmasked: high word first
            "ioapic 19 2000000", "ioapic 18 824",
            "ioapic 19 3000000", "ioapic 18 824",                            // high-word write, narrowed
            "ioapic 18 10224", "ioapic 19 3000000"], Calls);
    }

    [Fact]
    public void PinsTheCellDoesNotOwnReadZeroAndIgnoreWrites()
    {
        IoapicRegisters[0x1a] = 0x10035;
        Assert.Equal(0u, SelectAndRead(0, 0x1a));                             // pin 5
        Assert.Equal(X86Ioapic.Done, SelectAndWrite(0, 0x1a, 0x00000035));
        Assert.Empty(Calls);
        // A CPU outside the root cell owns no pin at all, not even for EOI.
        Assert.Equal(0u, SelectAndRead(2, 0x18));
        uint value = 0x31;
        Assert.Equal(X86Ioapic.Invalid, Ioapic32(2, X86Ioapic.RegisterEoi, true, ref value));
    }

    [Fact]
    public void InitSipiStateDeliversInitOnceAndSipiOnlyToAWaitingCpu()
    {
        byte* area = (byte*)NativeMemory.AlignedAlloc(PerCpu.AreaSize, 4096);
        try
        {
            new Span<byte>(area, PerCpu.AreaSize).Clear();
            var cpu = (PerCpu*)area;
            cpu->CpuId = 1;
            cpu->PowerState = PowerState.Running;
            X86InitSipi.Reset(cpu);
            Assert.False(X86InitSipi.SignalSipi(0, cpu, 0x9a));            // running: a SIPI does nothing
            Assert.True(X86InitSipi.SignalInit(0, cpu));
            Assert.True(X86InitSipi.InitPending(cpu));
            Assert.False(X86InitSipi.SignalInit(0, cpu));                  // one INIT on the way at a time
            X86InitSipi.InitArrived(cpu);
            Assert.False(X86InitSipi.InitPending(cpu));
            Assert.False(X86InitSipi.SignalInit(0, cpu));                  // waiting for SIPI: INIT is blocked
            Assert.False(X86InitSipi.SipiPending(cpu));
            Assert.Equal(-1, X86InitSipi.TakeSipi(cpu));                   // none recorded yet: keeps waiting
            Assert.True(X86InitSipi.SignalSipi(0, cpu, 0x9a));
            Assert.True(X86InitSipi.SignalSipi(0, cpu, 0x9a));             // Linux sends two
            Assert.True(X86InitSipi.SipiPending(cpu));
            Assert.Equal(0x9a, X86InitSipi.TakeSipi(cpu));
            Assert.False(X86InitSipi.SipiPending(cpu));
            Assert.False(X86InitSipi.SignalSipi(0, cpu, 0x9a));            // running again
            Assert.True(X86InitSipi.SignalInit(0, cpu));
            // A CPU stopped after an error waits for good.
            cpu->PowerState = PowerState.Failed;
            X86InitSipi.Park(cpu);
            Assert.False(X86InitSipi.SignalInit(0, cpu));
            Assert.False(X86InitSipi.SignalSipi(0, cpu, 0x9a));
            Assert.False(X86InitSipi.SipiPending(cpu));
            Assert.Equal(-1, X86InitSipi.TakeSipi(cpu));
        }
        finally
        {
            NativeMemory.AlignedFree(area);
        }
    }
}
