using System.Text.RegularExpressions;
using Jailhouse.Hypervisor;

namespace Jailhouse.Tests.Hypervisor;

/// <summary>
/// The host's own GDT, TSS and IDT (what a VM exit loads, Intel SDM vol. 3 ch. 3, 6, 7),
/// decoded independently of how they were written: the descriptors through the same decoder
/// the VMCS guest state uses, the gates bit by bit.
/// </summary>
public sealed unsafe partial class X86HostDescriptorsTests
{
    [Fact]
    public void TheGdtHasA64BitRing0CodeSegmentAndTheCpusTss()
    {
        ulong* gdt = stackalloc ulong[X86HostDescriptors.GdtEntries];
        const ulong tssBase = 0xffff_c900_1234_5040;
        X86HostDescriptors.FillGdt(gdt, tssBase);

        Assert.Equal(0UL, gdt[0]);
        var code = X86Segment.FromGdt((byte*)gdt, X86HostDescriptors.CodeSelector);
        Assert.Equal(0xau, code.AccessRights & 0xe);             // execute/read code (accessed bit aside)
        Assert.NotEqual(0u, code.AccessRights & (1 << 4));       // code/data, not system
        Assert.Equal(0u, (code.AccessRights >> 5) & 3);          // DPL 0
        Assert.NotEqual(0u, code.AccessRights & (1 << 7));       // present
        Assert.NotEqual(0u, code.AccessRights & (1 << 13));      // L: 64-bit code
        Assert.Equal(0u, code.AccessRights & (1 << 14));         // D must be clear with L

        var tss = X86Segment.FromGdt((byte*)gdt, X86HostDescriptors.TssSelector);
        Assert.Equal(tssBase, tss.Base);
        Assert.Equal((uint)X86HostDescriptors.TssSize - 1, tss.Limit);
        Assert.Equal(0x9u, tss.AccessRights & 0xf);              // 64-bit TSS, available
        Assert.Equal(0u, tss.AccessRights & (1 << 4));           // system descriptor
        Assert.NotEqual(0u, tss.AccessRights & (1 << 7));
        Assert.True((X86HostDescriptors.TssSelector >> 3) + 2 <= X86HostDescriptors.GdtEntries);
        Assert.True(X86HostDescriptors.TssOffset >= 8 * X86HostDescriptors.GdtEntries, "the TSS overlaps the GDT");
        Assert.True(X86HostDescriptors.TssOffset + X86HostDescriptors.TssSize <= X86HostDescriptors.LeaveScratchOffset);
    }

    [Fact]
    public void TheTssGivesTheInterruptStackAndNoIoBitmap()
    {
        byte* tss = stackalloc byte[X86HostDescriptors.TssSize];
        new Span<byte>(tss, X86HostDescriptors.TssSize).Fill(0xee);
        X86HostDescriptors.FillTss(tss, 0xffff_c900_0000_8000);
        Assert.Equal(0xffff_c900_0000_8000UL, BitConverter.ToUInt64(new ReadOnlySpan<byte>(tss + 36, 8)));  // IST1
        Assert.Equal((ushort)X86HostDescriptors.TssSize, BitConverter.ToUInt16(new ReadOnlySpan<byte>(tss + 102, 2)));
        Assert.Equal(0UL, BitConverter.ToUInt64(new ReadOnlySpan<byte>(tss + 4, 8)));   // RSP0: never used, zero
    }

    [Fact]
    public void EveryExceptionVectorHasAGateToItsStubAndTheUnsafeOnesTheirOwnStack()
    {
        ulong* idt = stackalloc ulong[2 * 256];
        new Span<ulong>(idt, 2 * 256).Clear();
        const ulong stubs = 0xffff_c900_abcd_0160;
        X86HostDescriptors.FillIdt(idt, stubs);
        for (int vector = 0; vector < 256; vector++)
        {
            ulong low = idt[2 * vector], high = idt[2 * vector + 1];
            if (vector >= X86HostDescriptors.ExceptionVectors)
            {
                Assert.Equal(0UL, low | high);    // not present: the host runs with interrupts off
                continue;
            }
            ulong offset = (low & 0xffff) | ((low >> 48) << 16) | (high << 32);
            Assert.Equal(stubs + (ulong)(16 * vector), offset);
            Assert.Equal(X86HostDescriptors.CodeSelector, (ushort)(low >> 16));
            Assert.Equal(0x8eUL, (low >> 40) & 0xff);    // present, DPL 0, 64-bit interrupt gate
            ulong ist = (low >> 32) & 7;
            Assert.Equal(vector is 2 or 8 or 18 ? 1UL : 0UL, ist);
            Assert.Equal(0UL, high >> 32);               // reserved
        }
    }

    [GeneratedRegex(@"\\vector == (\d+)")]
    private static partial Regex VectorTest();

    /// <summary>exceptions.S pushes a zero error code for exactly the vectors the CPU pushes none
    /// for (its list against <see cref="X86HostDescriptors.HasErrorCode"/>), and counts NMIs
    /// instead of stopping on them.</summary>
    [Fact]
    public void TheStubsPushAnErrorCodeExactlyWhereTheCpuDoesNot()
    {
        string source = File.ReadAllText(Path.Combine(Paths.RepositoryRoot, "hypervisor", "arch", "x86", "exceptions.S"));
        string line = source.Split('\n').Single(l => l.TrimStart().StartsWith(".if !(", StringComparison.Ordinal));
        var withErrorCode = VectorTest().Matches(line).Select(m => int.Parse(m.Groups[1].Value)).ToHashSet();
        var expected = Enumerable.Range(0, X86HostDescriptors.ExceptionVectors).Where(X86HostDescriptors.HasErrorCode).ToHashSet();
        Assert.Equal(expected.Order(), withErrorCode.Order());
        Assert.Contains($".if \\vector == {X86HostDescriptors.VectorNmi}\n\tlock incl %gs:PERCPU_HOST_NMIS", source);
    }
}
