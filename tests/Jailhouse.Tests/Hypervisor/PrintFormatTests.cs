using System.Text;
using Jailhouse.Hypervisor;

namespace Jailhouse.Tests.Hypervisor;

/// <summary>The hypervisor console's formatted print (PrintFormat), character for character.</summary>
public sealed unsafe class PrintFormatTests
{
    private static readonly StringBuilder Printed = new();

    private static void Sink(byte c) => Printed.Append((char)c);

    private static string Format(string format, params ulong[] arguments)
    {
        lock (Printed)
        {
            Printed.Clear();
            fixed (ulong* values = arguments)
                PrintFormat.Format(format, values, arguments.Length, &Sink);
            return Printed.ToString();
        }
    }

    [Fact]
    public void The_hypervisors_lines_come_out_as_before()
    {
        Assert.Equal("FATAL: Invalid MMIO write, addr: 0x000000007fc00000 size: 4\n",
            Format("FATAL: Invalid MMIO write, addr: 0x%016x size: %d\n", 0x7fc00000, 4));
        Assert.Equal("Hypervisor memory: 0x7fc00000 + 0x400000, core 0x9000, online CPUs 2\n",
            Format("Hypervisor memory: 0x%x + 0x%x, core 0x%x, online CPUs %d\n", 0x7fc00000, 0x400000, 0x9000, 2));
        Assert.Equal("Unhandled trap: EC 0x18 ESR 0x62300000 ELR 0x0\n",
            Format("Unhandled trap: EC 0x%x ESR 0x%x ELR 0x%x\n", 0x18, 0x62300000, 0));
    }

    [Theory]
    [InlineData("%d", 0UL, "0")]
    [InlineData("%d", 0xffff_ffff_ffff_ffeaUL, "-22")]                     // -EINVAL
    [InlineData("%d", 0x8000_0000_0000_0000UL, "-9223372036854775808")]   // long.MinValue
    [InlineData("%u", 0xffff_ffff_ffff_ffffUL, "18446744073709551615")]
    [InlineData("%x", 0UL, "0")]
    [InlineData("%x", 0xdead_beef_0000_0001UL, "deadbeef00000001")]
    [InlineData("%08x", 0xabcUL, "00000abc")]
    [InlineData("%2x", 0xabcUL, "abc")]                                   // a width never cuts digits
    [InlineData("%32x", 1UL, "0000000000000001")]                         // at most 16 digits
    [InlineData("100%% of %d", 3UL, "100% of 3")]
    public void Conversions(string format, ulong argument, string expected) =>
        Assert.Equal(expected, Format(format, argument));

    [Fact]
    public void Strings_are_bounded_and_missing_arguments_print_nothing()
    {
        byte[] name = Encoding.ASCII.GetBytes(new string('n', 40));   // no NUL: a hostile cell name
        fixed (byte* text = name)
            Assert.Equal("Cell \"" + new string('n', PrintFormat.MaxStringLength) + "\"", Format("Cell \"%s\"", (ulong)text));
        fixed (byte* text = "qemu-arm64\0junk"u8)
            Assert.Equal("Cell \"qemu-arm64\"", Format("Cell \"%s\"", (ulong)text));
        Assert.Equal("CPU  stopped", Format("CPU %d stopped"));
        Assert.Equal("trailing %", Format("trailing %"));
    }
}
