using System.Buffers.Binary;

namespace Jailhouse.Images;

/// <summary>A primary partition of a classic MBR: type byte, LBA range, boot flag.</summary>
public sealed record MbrPartition(byte Type, uint FirstLba, uint Sectors, bool Bootable = false);

/// <summary>
/// Writes a DOS/MBR partition table into sector 0: a zero boot-code area, the disk signature,
/// up to four primary entries (with CHS fields for 255 heads x 63 sectors, saturated as tools do
/// beyond cylinder 1023) and the 0x55AA marker. GPT's protective MBR is one use of it.
/// </summary>
public static class MbrWriter
{
    public const int SectorSize = 512;
    public const byte TypeGptProtective = 0xee;
    public const byte TypeFat32Lba = 0x0c;
    public const byte TypeEfiSystem = 0xef;
    public const byte TypeLinux = 0x83;

    public static byte[] Build(uint diskSignature, IReadOnlyList<MbrPartition> partitions)
    {
        if (partitions.Count > 4)
            throw new ArgumentException($"an MBR holds at most 4 primary partitions, got {partitions.Count}");
        var sector = new byte[SectorSize];
        BinaryPrimitives.WriteUInt32LittleEndian(sector.AsSpan(440), diskSignature);
        for (int i = 0; i < partitions.Count; i++)
        {
            var p = partitions[i];
            var entry = sector.AsSpan(446 + 16 * i, 16);
            entry[0] = (byte)(p.Bootable ? 0x80 : 0x00);
            Chs(p.FirstLba).CopyTo(entry[1..]);
            entry[4] = p.Type;
            Chs(p.FirstLba + p.Sectors - 1).CopyTo(entry[5..]);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[8..], p.FirstLba);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[12..], p.Sectors);
        }
        sector[510] = 0x55;
        sector[511] = 0xaa;
        return sector;
    }

    /// <summary>Cylinder/head/sector of an LBA for the 255x63 geometry; (1023, 254, 63) beyond its reach.</summary>
    private static byte[] Chs(uint lba)
    {
        const uint heads = 255, sectors = 63;
        uint cylinder = lba / (heads * sectors);
        if (cylinder > 1023)
            return [0xfe, 0xff, 0xff];
        uint head = lba / sectors % heads;
        uint sector = lba % sectors + 1;
        return [(byte)head, (byte)(sector | ((cylinder >> 2) & 0xc0)), (byte)(cylinder & 0xff)];
    }
}
