namespace Jailhouse.Config.Model;

/// <summary>
/// struct jailhouse_irqchip: an interrupt controller (IOAPIC, GIC distributor) and the 128 pins
/// from <see cref="PinBase"/> that the cell owns.
/// </summary>
public sealed class Irqchip
{
    public const int PinCount = 128;

    public ulong Address { get; set; }
    public uint Id { get; set; }
    public uint PinBase { get; set; }
    /// <summary>pin_bitmap[4]: bit n of word w = pin PinBase + 32*w + n.</summary>
    public uint[] PinBitmap { get; set; } = new uint[4];
    public SourceLocation? Origin { get; set; }

    /// <summary>The pin numbers whose bits are set (64-bit: pin_base + 127 may exceed 32 bits).</summary>
    public IEnumerable<long> Pins()
    {
        for (int bit = 0; bit < PinCount; bit++)
            if ((PinBitmap[bit / 32] & (1u << (bit % 32))) != 0)
                yield return (long)PinBase + bit;
    }
}
