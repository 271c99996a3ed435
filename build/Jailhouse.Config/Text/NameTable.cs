namespace Jailhouse.Config.Text;

/// <summary>
/// Names for the numeric values of one field: enumeration values (<see cref="FormatValue"/>) or flag
/// bits (<see cref="FormatFlags"/>). Values without a name are written as numbers, so nothing is lost.
/// </summary>
public sealed class NameTable(string what, params (string Name, ulong Value)[] entries)
{
    public string What { get; } = what;
    public IReadOnlyList<(string Name, ulong Value)> Entries { get; } = entries;

    public string Expected => string.Join(", ", Entries.Select(e => e.Name));

    public bool TryParse(string text, out ulong value, out string error)
    {
        foreach (var (name, v) in Entries)
        {
            if (string.Equals(name, text, StringComparison.Ordinal))
            {
                value = v;
                error = "";
                return true;
            }
        }
        if (text.Length > 0 && char.IsAsciiDigit(text[0]) && NumberSyntax.TryParse(text, out value, out _))
        {
            error = "";
            return true;
        }
        value = 0;
        error = $"unknown {What} \"{text}\"; expected one of: {Expected} (or a number)";
        return false;
    }

    public string FormatValue(ulong value)
    {
        foreach (var (name, v) in Entries)
            if (v == value)
                return name;
        return NumberSyntax.Hex(value);
    }

    /// <summary>Names of the set bits in table order, then the unnamed remainder as one hex number.</summary>
    public List<string> FormatFlags(ulong value)
    {
        var names = new List<string>();
        foreach (var (name, bits) in Entries)
        {
            if (bits != 0 && (value & bits) == bits)
            {
                names.Add(name);
                value &= ~bits;
            }
        }
        if (value != 0)
            names.Add(NumberSyntax.Hex(value));
        return names;
    }
}

/// <summary>The names used in YAML configurations.</summary>
public static class Names
{
    public static readonly NameTable Architecture = new("architecture", ("x86", 0), ("arm", 1), ("arm64", 2));

    public static readonly NameTable SystemFlags = new("system flag", ("virtual-debug-console", 0x1));

    public static readonly NameTable CellFlags = new("cell flag",
        ("passive-commreg", 0x1), ("test-device", 0x2), ("aarch32", 0x4),
        ("virtual-console-permitted", 0x4000_0000), ("virtual-console-active", 0x8000_0000));

    public static readonly NameTable MemoryFlags = new("memory flag",
        ("read", 0x1), ("write", 0x2), ("execute", 0x4), ("dma", 0x8), ("io", 0x10),
        ("comm-region", 0x20), ("loadable", 0x40), ("rootshared", 0x80), ("no-hugepages", 0x100),
        ("io-unaligned", 0x8000), ("io-8", 0x1_0000), ("io-16", 0x2_0000), ("io-32", 0x4_0000), ("io-64", 0x8_0000));

    public static readonly NameTable CacheType = new("cache type", ("l3-code", 1), ("l3-data", 2), ("l3", 3));

    public static readonly NameTable CacheFlags = new("cache flag", ("rootshared", 0x1));

    public static readonly NameTable ConsoleType = new("console type",
        ("none", 0), ("efifb", 1), ("8250", 2), ("pl011", 3), ("xuartps", 4), ("mvebu", 5),
        ("hscif", 6), ("scifa", 7), ("imx", 8), ("imx-lpuart", 9), ("scif", 0xa));

    public static readonly NameTable ConsoleFlags = new("console flag",
        ("mmio", 0x1), ("regdist-4", 0x2), ("fb-1920x1080", 0x4), ("inverted-gate", 0x1000), ("mdr-quirk", 0x2000));

    public static readonly NameTable PciDeviceType = new("PCI device type", ("device", 1), ("bridge", 2), ("ivshmem", 3));

    public static readonly NameTable PciCapabilityFlags = new("PCI capability flag", ("write", 0x1));

    public static readonly NameTable IommuType = new("IOMMU type",
        ("none", 0), ("amd", 1), ("intel", 2), ("smmuv3", 3), ("pvu", 4), ("mmu500", 5));

    public static readonly NameTable ApicMode = new("APIC mode", ("auto", 0), ("xapic", 1), ("x2apic", 2));

    /// <summary>ivshmem protocols: JAILHOUSE_SHMEM_PROTO_* and the virtio front/back ends of each virtio device.</summary>
    public static readonly NameTable ShmemProtocol = new("shared-memory protocol",
        ("undefined", 0), ("veth", 1),
        ("virtio-front-net", 0x8001), ("virtio-front-block", 0x8002), ("virtio-front-console", 0x8003),
        ("virtio-back-net", 0xc001), ("virtio-back-block", 0xc002), ("virtio-back-console", 0xc003));

    /// <summary>PCI capability IDs as Linux's pci_regs.h names them; extended capabilities (bit 15 set) with "ext-".</summary>
    public static readonly NameTable PciCapabilityId = new("PCI capability",
        ("pm", 0x01), ("agp", 0x02), ("vpd", 0x03), ("slotid", 0x04), ("msi", 0x05), ("chswp", 0x06),
        ("pcix", 0x07), ("ht", 0x08), ("vndr", 0x09), ("dbg", 0x0a), ("ccrc", 0x0b), ("shpc", 0x0c),
        ("ssvid", 0x0d), ("agp3", 0x0e), ("secdev", 0x0f), ("exp", 0x10), ("msix", 0x11), ("sata", 0x12),
        ("af", 0x13), ("ea", 0x14),
        ("ext-aer", 0x8001), ("ext-vc", 0x8002), ("ext-dsn", 0x8003), ("ext-pwr", 0x8004),
        ("ext-rcld", 0x8005), ("ext-rcilc", 0x8006), ("ext-rcec", 0x8007), ("ext-mfvc", 0x8008),
        ("ext-vc9", 0x8009), ("ext-rcrb", 0x800a), ("ext-vndr", 0x800b), ("ext-cac", 0x800c),
        ("ext-acs", 0x800d), ("ext-ari", 0x800e), ("ext-ats", 0x800f), ("ext-sriov", 0x8010),
        ("ext-mriov", 0x8011), ("ext-mcast", 0x8012), ("ext-pri", 0x8013), ("ext-amd-xxx", 0x8014),
        ("ext-rebar", 0x8015), ("ext-dpa", 0x8016), ("ext-tph", 0x8017), ("ext-ltr", 0x8018),
        ("ext-secpci", 0x8019), ("ext-pmux", 0x801a), ("ext-pasid", 0x801b), ("ext-dpc", 0x801d),
        ("ext-l1ss", 0x801e), ("ext-ptm", 0x801f), ("ext-dvsec", 0x8023), ("ext-dlf", 0x8025),
        ("ext-pl-16gt", 0x8026));
}
