using Jailhouse.Config.Model;
using Jailhouse.Hypervisor;

namespace Jailhouse.Tests.Hypervisor;

/// <summary>
/// The decisions behind the x86 VM exits, on the host: the I/O and MSR bitmaps built from the
/// qemu-x86 root cell, the PCI configuration filter against its device and capability list,
/// and the decoder of trapped memory instructions (bytes as compilers emit them).
/// </summary>
public sealed unsafe class X86ExitTests
{
    private static (HypervisorTestMemory Memory, JailhouseConfig Model) QemuX86()
    {
        var model = HypervisorTestMemory.LoadYaml("configs/qemu-x86/qemu-x86.yaml");
        return (new HypervisorTestMemory(HypervisorTestMemory.Compile(model), 1), model);
    }

    [Fact]
    public void IoBitmapPassesTheCellsPortsAndTrapsTheRestAndPciConfiguration()
    {
        var (memory, model) = QemuX86();
        using var _ = memory;
        byte* a = stackalloc byte[4096];
        byte* b = stackalloc byte[4096];
        X86Bitmaps.FillIo(a, b, memory.View);
        var permitted = new HashSet<uint>();
        foreach (var range in model.Cell.PioRanges)
            for (uint port = range.Base; port < (uint)range.Base + range.Length; port++)
                permitted.Add(port);
        Assert.NotEmpty(permitted);
        for (uint port = 0; port <= 0xffff; port++)
        {
            bool pci = port >= 0xcf8 && port < 0xd00;
            Assert.Equal(permitted.Contains(port) && !pci, X86Bitmaps.PortPermitted(a, b, port, 1));
        }
        Assert.True(X86Bitmaps.PortPermitted(a, b, 0x70, 2));         // rtc: 0x70-0x71
        Assert.False(X86Bitmaps.PortPermitted(a, b, 0x71, 2));        // 0x72 is not the cell's
        Assert.False(X86Bitmaps.PortPermitted(a, b, 0x3f8, 1));       // COM1 is the hypervisor's console
    }

    [Fact]
    public void MsrBitmapTrapsApicBaseWritesVmxAndTheX2apicIcrOnly()
    {
        byte* bitmap = stackalloc byte[4096];
        X86Bitmaps.FillMsr(bitmap);
        Assert.True(X86Bitmaps.MsrTraps(bitmap, 0x1b, write: true));
        Assert.False(X86Bitmaps.MsrTraps(bitmap, 0x1b, write: false));
        Assert.True(X86Bitmaps.MsrTraps(bitmap, 0x3a, write: true));
        Assert.True(X86Bitmaps.MsrTraps(bitmap, 0x480, write: false));
        Assert.True(X86Bitmaps.MsrTraps(bitmap, 0x491, write: true));
        Assert.True(X86Bitmaps.MsrTraps(bitmap, 0x830, write: true));  // x2APIC ICR: the emulated IPIs
        Assert.False(X86Bitmaps.MsrTraps(bitmap, 0x830, write: false));
        for (uint msr = 0x800; msr <= 0x8ff; msr++)                     // the rest of the x2APIC runs natively
            if (msr != 0x830)
                Assert.False(X86Bitmaps.MsrTraps(bitmap, msr, write: true) || X86Bitmaps.MsrTraps(bitmap, msr, write: false), $"MSR {msr:x}");
        Assert.False(X86Bitmaps.MsrTraps(bitmap, 0xc0000080, write: true)); // EFER
        Assert.False(X86Bitmaps.MsrTraps(bitmap, 0x10, write: false));      // TSC
        Assert.True(X86Bitmaps.MsrTraps(bitmap, 0x40000000, write: false)); // outside both ranges
    }

    [Fact]
    public void PciFilterFollowsTheDeviceListAndWritableCapabilities()
    {
        var (memory, model) = QemuX86();
        using var _ = memory;
        var config = memory.View;
        var e1000e = model.Cell.PciDevices.Single(d => d.Name == "e1000e");
        var caps = e1000e.Capabilities;
        ushort bdf = e1000e.Bdf;
        Assert.Equal(PciAccess.Perform, X86PciConfig.Classify(config, bdf, 0x00, 4, isWrite: false));
        Assert.Equal(PciAccess.Ignore, X86PciConfig.Classify(config, bdf, 0x00, 4, isWrite: true));
        Assert.Equal(PciAccess.Ignore, X86PciConfig.Classify(config, bdf, 0x08, 4, isWrite: true));
        Assert.Equal(PciAccess.Perform, X86PciConfig.Classify(config, bdf, 0x04, 2, isWrite: true));   // command
        Assert.Equal(PciAccess.Perform, X86PciConfig.Classify(config, bdf, 0x10, 4, isWrite: true));   // BAR 0
        foreach (var cap in caps)
        {
            int expected = cap.Flags.HasFlag(PciCapabilityFlags.Write) ? PciAccess.Perform : PciAccess.Reject;
            Assert.Equal(expected, X86PciConfig.Classify(config, bdf, cap.Start, 2, isWrite: true));
            Assert.Equal(PciAccess.Perform, X86PciConfig.Classify(config, bdf, cap.Start, 2, isWrite: false));
        }
        // Beyond the header and outside every capability: reads pass, writes stop the cell.
        uint gap = Enumerable.Range(0x40, 0xc0).Select(r => (uint)r).First(r => caps.All(c => r < c.Start || r >= c.Start + c.Length));
        Assert.Equal(PciAccess.Reject, X86PciConfig.Classify(config, bdf, gap, 1, isWrite: true));
        Assert.Equal(PciAccess.Perform, X86PciConfig.Classify(config, bdf, gap, 1, isWrite: false));
        // A function the cell does not list does not exist for it.
        ushort absent = 0x2000; // 20:00.0
        Assert.DoesNotContain(model.Cell.PciDevices, d => d.Bdf == absent);
        Assert.Equal(PciAccess.Hide, X86PciConfig.Classify(config, absent, 0, 4, isWrite: false));
        Assert.Equal(PciAccess.Hide, X86PciConfig.Classify(config, absent, 4, 2, isWrite: true));
    }

    [Fact]
    public void MmconfigWindowDecodesTheFunctionAndRegisterAndFiltersLikeThePorts()
    {
        var (memory, model) = QemuX86();
        using var owned = memory;
        var config = memory.View;
        var platform = model.System!.Platform;
        Assert.Equal(((ulong)platform.PciMmconfigEndBus + 1) << 20, X86PciConfig.MmconfigSize(config));
        var e1000e = model.Cell.PciDevices.Single(d => d.Name == "e1000e");
        // ECAM: bus in bits 27-20, device 19-15, function 14-12, register 11-0.
        ulong Offset(ushort bdf, uint register) => ((ulong)bdf << 12) | register;
        foreach (var cap in e1000e.Capabilities)
        {
            int expected = cap.Flags.HasFlag(PciCapabilityFlags.Write) ? PciAccess.Perform : PciAccess.Reject;
            Assert.Equal(expected, X86PciConfig.ClassifyMmconfig(config, Offset(e1000e.Bdf, cap.Start), 2, true, out ushort bdf, out uint register));
            Assert.Equal((e1000e.Bdf, (uint)cap.Start), (bdf, register));
            Assert.Equal(X86PciConfig.Classify(config, e1000e.Bdf, cap.Start, 2, isWrite: true), expected);
        }
        // The extended space (0x100-0xfff) is only reachable here: a capability listed there.
        var extended = e1000e.Capabilities.First(c => c.Start >= 0x100);
        Assert.NotEqual(PciAccess.Hide, X86PciConfig.ClassifyMmconfig(config, Offset(e1000e.Bdf, extended.Start), 4, true, out _, out uint extendedRegister));
        Assert.Equal((uint)extended.Start, extendedRegister);
        Assert.Equal(PciAccess.Ignore, X86PciConfig.ClassifyMmconfig(config, Offset(e1000e.Bdf, 0), 4, true, out _, out _));
        Assert.Equal(PciAccess.Hide, X86PciConfig.ClassifyMmconfig(config, Offset(0x2000, 0), 4, false, out ushort hidden, out _));
        Assert.Equal(0x2000, hidden);
        // Widths and alignment a PCI register access cannot have, and the window's end.
        Assert.Equal(PciAccess.Reject, X86PciConfig.ClassifyMmconfig(config, Offset(e1000e.Bdf, 0x10), 8, false, out _, out _));
        Assert.Equal(PciAccess.Reject, X86PciConfig.ClassifyMmconfig(config, Offset(e1000e.Bdf, 0x11), 2, false, out _, out _));
        Assert.Equal(PciAccess.Reject, X86PciConfig.ClassifyMmconfig(config, X86PciConfig.MmconfigSize(config), 4, false, out _, out _));
    }

    private static X86MmioInstruction Decode(params byte[] code)
    {
        fixed (byte* bytes = code)
            return X86MmioDecoder.Decode(bytes, (uint)code.Length);
    }

    [Fact]
    public void MmioDecoderReadsMovesWithTheirWidthsRegistersAndLengths()
    {
        var store = Decode(0x89, 0x18);                          // mov [rax], ebx
        Assert.Equal((2u, 4u, true, 3), (store.Length, store.Size, store.IsWrite, store.Register));
        var load = Decode(0x8b, 0x05, 0x10, 0x20, 0x30, 0x40);  // mov eax, [rip+0x40302010]
        Assert.Equal((6u, 4u, false, 0, true), (load.Length, load.Size, load.IsWrite, load.Register, load.ZeroExtend));
        var word = Decode(0x66, 0x89, 0x4a, 0x08);              // mov [rdx+8], cx
        Assert.Equal((4u, 2u, 1), (word.Length, word.Size, word.Register));
        var high = Decode(0x44, 0x88, 0x40, 0x10);              // mov [rax+0x10], r8b
        Assert.Equal((4u, 1u, 8), (high.Length, high.Size, high.Register));
        var quad = Decode(0x48, 0x8b, 0x0c, 0x24);              // mov rcx, [rsp]
        Assert.Equal((4u, 8u, false, 1), (quad.Length, quad.Size, quad.IsWrite, quad.Register));
        var imm = Decode(0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff); // mov qword [rax], -1
        Assert.Equal((7u, 8u, true, -1, ulong.MaxValue), (imm.Length, imm.Size, imm.IsWrite, imm.Register, imm.Immediate));
        var byteImm = Decode(0xc6, 0x80, 0x00, 0x01, 0x00, 0x00, 0x5a); // mov byte [rax+0x100], 0x5a
        Assert.Equal((7u, 1u, 0x5aUL), (byteImm.Length, byteImm.Size, byteImm.Immediate));
        var movzx = Decode(0x0f, 0xb7, 0x50, 0x02);             // movzx edx, word [rax+2]
        Assert.Equal((4u, 2u, false, 2, true), (movzx.Length, movzx.Size, movzx.IsWrite, movzx.Register, movzx.ZeroExtend));
        var sib = Decode(0x8b, 0x04, 0x25, 0x00, 0x00, 0xe0, 0xfe); // mov eax, [0xfee00000] (SIB, no base)
        Assert.Equal(7u, sib.Length);
        // Register operands, other opcodes and cut-off bytes are not emulated.
        Assert.Equal(0u, Decode(0x89, 0xc3).Length);             // mov ebx, eax
        Assert.Equal(0u, Decode(0x01, 0x18).Length);             // add [rax], ebx
        Assert.Equal(0u, Decode(0x8b, 0x05, 0x10).Length);       // displacement missing
    }
}
