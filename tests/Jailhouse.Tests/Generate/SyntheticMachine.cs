using System.Buffers.Binary;
using System.Text;
using Jailhouse.Generate.Snapshot;

namespace Jailhouse.Tests.Generate;

/// <summary>
/// Builds snapshots of machines that do not exist: ACPI tables, PCI config spaces and /proc text
/// laid out as the specifications (ACPI, VT-d, AMD IOMMU, PCI) define them, for the edge cases a
/// real fixture does not have.
/// </summary>
internal sealed class SyntheticMachine
{
    public Dictionary<string, byte[]> Files { get; } = new(StringComparer.Ordinal);

    public SyntheticMachine Text(string path, string text)
    {
        Files[path] = Encoding.ASCII.GetBytes(text);
        return this;
    }

    public SyntheticMachine Table(string signature, byte[] body)
    {
        Files[$"sys/firmware/acpi/tables/{signature}"] = AcpiTable(signature, body);
        return this;
    }

    public SyntheticMachine Pci(string address, byte[] config, string resource = "")
    {
        Files[$"sys/bus/pci/devices/{address}/config"] = config;
        Files[$"sys/bus/pci/devices/{address}/resource"] = Encoding.ASCII.GetBytes(resource);
        return this;
    }

    public SystemSnapshot Snapshot(string name = "synthetic.tar") => new(name, Files);

    /// <summary>A plain Intel machine: 2 GiB of RAM with a memmap= hole at 0x3a000000, MMCONFIG at 0xe0000000, one IOAPIC.</summary>
    public static SyntheticMachine Intel(string cmdline = "root=/dev/sda1 memmap=82M$0x3a000000 console=ttyS0,115200")
    {
        var machine = new SyntheticMachine()
            .Text("proc/cmdline", cmdline + "\n")
            .Text("proc/cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\n\nprocessor\t: 1\nvendor_id\t: GenuineIntel\n\n")
            .Text("sys/devices/system/cpu/present", "0-3\n")
            .Text("sys/class/tty/ttyS0/io_type", "0\n")
            .Text("sys/class/tty/ttyS0/port", "0x3F8\n")
            .Text("proc/iomem", """
                00000000-00000fff : Reserved
                00001000-0009fbff : System RAM
                0009fc00-000fffff : Reserved
                  000a0000-000bffff : PCI Bus 0000:00
                  000c0000-000c95ff : Video ROM
                  000f0000-000fffff : System ROM
                00100000-39ffffff : System RAM
                  01000000-01ffffff : Kernel code
                3a000000-3f1fffff : Reserved
                3f200000-798aafff : System RAM
                798ab000-79ffffff : Reserved
                  798ab000-798abfff : APEI ERST
                  798ac000-798acfff : ACPI Tables
                7a000000-7fffffff : System RAM
                c0000000-dfffffff : PCI Bus 0000:00
                  c0000000-c001ffff : 0000:00:02.0
                    c0000000-c001ffff : e1000e
                  c0020000-c0023fff : 0000:00:02.0
                    c0020000-c0023fff : e1000e
                  c0100000-c01fffff : PCI Bus 0000:06
                    c0100000-c017ffff : 0000:06:00.1
                e0000000-efffffff : PCI MMCONFIG 0000 [bus 00-ff]
                  e0000000-efffffff : Reserved
                fec00000-fec003ff : IOAPIC 0
                fed00000-fed003ff : HPET 0
                fed90000-fed90fff : dmar0
                fed91000-fed91fff : dmar1
                fee00000-fee00fff : Local APIC

                """)
            .Text("proc/ioports", """
                0000-0cf7 : PCI Bus 0000:00
                  0000-001f : dma1
                  0040-0043 : timer0
                  0060-0060 : keyboard
                  0064-0064 : keyboard
                  0070-0071 : rtc0
                  0080-008f : dma page reg
                  03c0-03df : vga+
                  03f8-03ff : serial
                  0600-067f : 0000:00:1f.0
                    0608-060b : ACPI PM_TMR
                0cf8-0cff : PCI conf1
                0d00-ffff : PCI Bus 0000:00
                  e000-e01f : 0000:00:02.0
                    e000-e01f : e1000e

                """)
            .Table("MCFG", Mcfg(0xe0000000, 0, 255))
            .Table("APIC", Madt((0, 0xfec00000, 0)))
            .Table("DMAR", Dmar(
                Drhd(0xfed90000, includeAll: false, DmarScope(1, 0, 0, 2, 0)),
                Drhd(0xfed91000, includeAll: true, DmarScope(3, 0, 0xf0, 0x1f, 0)),
                Rmrr(0x798ad000, 0x798adfff, DmarScope(1, 0, 0, 2, 0))));
        machine.Pci("0000:00:00.0", PciConfig(0x8086, 0x29c0, 0x0600));
        machine.Pci("0000:00:02.0", E1000e(), Resources(
            (0xc0000000, 0xc001ffff, 0x40200), (0, 0, 0), (0xe000, 0xe01f, 0x40101), (0xc0020000, 0xc0023fff, 0x40200)));
        var bridge = PciConfig(0x8086, 0x2940, 0x0604, caps: [(0x10, 0x40, Le16(0x0042))]);
        bridge[0x19] = 6;
        bridge[0x1a] = 6;
        machine.Pci("0000:00:1c.0", bridge);
        machine.Pci("0000:00:1f.0", PciConfig(0x8086, 0x2918, 0x0601));
        machine.Pci("0000:06:00.1", PciConfig(0x8086, 0x1521, 0x0200, caps:
            [(0x01, 0x40, Le16(0x0003)), (0x05, 0x50, Le16(0x0080)), (0x10, 0xa0, Le16(0x0002))]),
            Resources((0xc0100000, 0xc017ffff, 0x40200)));
        return machine;
    }

    /// <summary>An e1000e-like function: PM, 64-bit MSI, PCI Express v1, MSI-X (5 vectors, table at BAR 3), AER and DSN.</summary>
    public static byte[] E1000e() => PciConfig(0x8086, 0x10d3, 0x0200, size: 4096,
        caps:
        [
            (0x01, 0xc8, Le16(0x0002)),
            (0x05, 0xd0, Le16(0x0080)),
            (0x10, 0xe0, Le16(0x0001)),   // version 1, as QEMU's e1000e: 20 bytes
            (0x11, 0xa0, [.. Le16(4), .. Le32(0x00000003), .. Le32(0x00002003)]),
        ],
        extended: [(0x0001, 0x100, []), (0x0003, 0x140, Le32(0x12345678))],
        bars: [0xc0000000, 0, 0xe001, 0xc0020000]);

    /// <summary>An AMD machine: IVRS with one IOMMU (00:00.2), two IOAPICs, an IVMD range.</summary>
    public static SyntheticMachine Amd()
    {
        var machine = Intel();
        machine.Files.Remove("sys/firmware/acpi/tables/DMAR");
        machine.Text("proc/cpuinfo", "processor\t: 0\nvendor_id\t: AuthenticAMD\n\n");
        machine.Table("APIC", Madt((0x21, 0xfec00000, 0), (0x22, 0xfec01000, 24)));
        machine.Table("IVRS", Ivrs(
            Ivhd(0x0002, 0x40, 0xfeb80000, 0x80048f6e,
                IvhdRangeStart(0x0000), IvhdRangeEnd(0x00ff), IvhdSelect(0x0601), IvhdIoApic(0x21, 0x00a0), IvhdIoApic(0x22, 0x0001)),
            Ivmd(0x798ae000, 0x1000)));
        machine.Pci("0000:00:00.2", PciConfig(0x1022, 0x1451, 0x0806, caps: [(0x0f, 0x40, new byte[16]), (0x05, 0x64, Le16(0x0080))]));
        return machine;
    }

    // --- ACPI ---------------------------------------------------------------------------------

    public static byte[] AcpiTable(string signature, byte[] body)
    {
        var table = new byte[36 + body.Length];
        Encoding.ASCII.GetBytes(signature).CopyTo(table, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(table.AsSpan(4), (uint)table.Length);
        table[8] = 1;
        Encoding.ASCII.GetBytes("SYNTH ").CopyTo(table, 10);
        body.CopyTo(table, 36);
        byte sum = 0;
        foreach (byte b in table)
            sum += b;
        table[9] = (byte)(0 - sum);
        return table;
    }

    public static byte[] Mcfg(ulong baseAddress, byte startBus, byte endBus)
    {
        var body = new byte[8 + 16];
        BinaryPrimitives.WriteUInt64LittleEndian(body.AsSpan(8), baseAddress);
        body[8 + 10] = startBus;
        body[8 + 11] = endBus;
        return body;
    }

    public static byte[] Madt(params (byte Id, uint Address, uint GsiBase)[] ioapics)
    {
        var body = new List<byte>();
        body.AddRange(Le32(0xfee00000));
        body.AddRange(Le32(1));
        body.AddRange([0, 8, 0, 0, 1, 0, 0, 0]);   // a local APIC record
        foreach (var (id, address, gsi) in ioapics)
        {
            body.AddRange([1, 12, id, 0]);
            body.AddRange(Le32(address));
            body.AddRange(Le32(gsi));
        }
        return [.. body];
    }

    /// <summary>A DMAR device scope: type (1 endpoint, 2 bridge, 3 IOAPIC), enumeration id, start bus, one path step.</summary>
    public static byte[] DmarScope(byte type, byte enumerationId, byte bus, byte device, byte function) =>
        [type, 8, 0, 0, enumerationId, bus, device, function];

    public static byte[] Drhd(ulong baseAddress, bool includeAll, params byte[][] scopes)
    {
        var scopeBytes = scopes.SelectMany(s => s).ToArray();
        var unit = new byte[16 + scopeBytes.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(unit, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(unit.AsSpan(2), (ushort)unit.Length);
        unit[4] = (byte)(includeAll ? 1 : 0);
        BinaryPrimitives.WriteUInt64LittleEndian(unit.AsSpan(8), baseAddress);
        scopeBytes.CopyTo(unit, 16);
        return unit;
    }

    public static byte[] Rmrr(ulong baseAddress, ulong limit, params byte[][] scopes)
    {
        var scopeBytes = scopes.SelectMany(s => s).ToArray();
        var region = new byte[24 + scopeBytes.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(region, 1);
        BinaryPrimitives.WriteUInt16LittleEndian(region.AsSpan(2), (ushort)region.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(region.AsSpan(8), baseAddress);
        BinaryPrimitives.WriteUInt64LittleEndian(region.AsSpan(16), limit);
        scopeBytes.CopyTo(region, 24);
        return region;
    }

    public static byte[] Dmar(params byte[][] structures) =>
        [.. new byte[] { 38, 1 }, .. new byte[10], .. structures.SelectMany(s => s)];

    /// <summary>An IVHD block of type 0x10 with its device entries (4 or 8 bytes each).</summary>
    public static byte[] Ivhd(ushort iommuBdf, ushort capOffset, ulong baseAddress, uint features, params byte[][] entries) =>
        Ivhd(0x10, iommuBdf, capOffset, baseAddress, features, entries);

    /// <summary>An IVHD block; types 0x11 and 0x40 have a 40-byte header (with the EFR image) before the entries.</summary>
    public static byte[] Ivhd(byte type, ushort iommuBdf, ushort capOffset, ulong baseAddress, uint features, params byte[][] entries)
    {
        var entryBytes = entries.SelectMany(e => e).ToArray();
        int header = type == 0x10 ? 24 : 40;
        var block = new byte[header + entryBytes.Length];
        block[0] = type;
        BinaryPrimitives.WriteUInt16LittleEndian(block.AsSpan(2), (ushort)block.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(block.AsSpan(4), iommuBdf);
        BinaryPrimitives.WriteUInt16LittleEndian(block.AsSpan(6), capOffset);
        BinaryPrimitives.WriteUInt64LittleEndian(block.AsSpan(8), baseAddress);
        BinaryPrimitives.WriteUInt32LittleEndian(block.AsSpan(20), features);
        if (type != 0x10)
            BinaryPrimitives.WriteUInt64LittleEndian(block.AsSpan(24), 0x246577efa2254afaUL);   // an EFR image
        entryBytes.CopyTo(block, header);
        return block;
    }

    public static byte[] IvhdSelect(ushort bdf) => [0x02, (byte)bdf, (byte)(bdf >> 8), 0];
    public static byte[] IvhdRangeStart(ushort bdf) => [0x03, (byte)bdf, (byte)(bdf >> 8), 0];
    public static byte[] IvhdRangeEnd(ushort bdf) => [0x04, (byte)bdf, (byte)(bdf >> 8), 0];
    public static byte[] IvhdIoApic(byte id, ushort bdf) => [0x48, 0, 0, 0, id, (byte)bdf, (byte)(bdf >> 8), 0x01];

    public static byte[] Ivmd(ulong start, ulong length)
    {
        var block = new byte[32];
        block[0] = 0x20;
        BinaryPrimitives.WriteUInt16LittleEndian(block.AsSpan(2), 32);
        BinaryPrimitives.WriteUInt64LittleEndian(block.AsSpan(16), start);
        BinaryPrimitives.WriteUInt64LittleEndian(block.AsSpan(24), length);
        return block;
    }

    public static byte[] Ivrs(params byte[][] blocks) => [.. Le32(0x00203041), .. new byte[8], .. blocks.SelectMany(b => b)];

    // --- PCI config space ---------------------------------------------------------------------

    /// <summary>A type-0 config space with the given standard capabilities (id, offset, bytes after the 2-byte header) linked in order.</summary>
    public static byte[] PciConfig(ushort vendor, ushort device, ushort classCode, int size = 256,
        (byte Id, int Offset, byte[] Body)[]? caps = null, (ushort Id, int Offset, byte[] Body)[]? extended = null, uint[]? bars = null)
    {
        var config = new byte[size];
        BinaryPrimitives.WriteUInt16LittleEndian(config, vendor);
        BinaryPrimitives.WriteUInt16LittleEndian(config.AsSpan(2), device);
        BinaryPrimitives.WriteUInt16LittleEndian(config.AsSpan(0x0a), classCode);
        for (int i = 0; bars is not null && i < bars.Length; i++)
            BinaryPrimitives.WriteUInt32LittleEndian(config.AsSpan(0x10 + 4 * i), bars[i]);
        if (caps is { Length: > 0 })
        {
            config[0x06] = 1 << 4;
            config[0x34] = (byte)caps[0].Offset;
            for (int i = 0; i < caps.Length; i++)
            {
                var (id, offset, body) = caps[i];
                config[offset] = id;
                config[offset + 1] = (byte)(i + 1 < caps.Length ? caps[i + 1].Offset : 0);
                body.CopyTo(config, offset + 2);
            }
        }
        for (int i = 0; extended is not null && i < extended.Length; i++)
        {
            var (id, offset, body) = extended[i];
            int next = i + 1 < extended.Length ? extended[i + 1].Offset : 0;
            BinaryPrimitives.WriteUInt32LittleEndian(config.AsSpan(offset), id | 1u << 16 | (uint)next << 20);
            body.CopyTo(config, offset + 4);
        }
        return config;
    }

    public static string Resources(params (ulong Start, ulong End, ulong Flags)[] bars)
    {
        var text = new StringBuilder();
        for (int i = 0; i < 13; i++)
        {
            var (start, end, flags) = i < bars.Length ? bars[i] : (0, 0, 0);
            text.Append($"0x{start:x16} 0x{end:x16} 0x{flags:x16}\n");
        }
        return text.ToString();
    }

    public static byte[] Le16(ushort value) => [(byte)value, (byte)(value >> 8)];
    public static byte[] Le32(uint value) => [(byte)value, (byte)(value >> 8), (byte)(value >> 16), (byte)(value >> 24)];
}
