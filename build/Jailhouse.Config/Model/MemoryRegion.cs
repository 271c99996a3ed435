namespace Jailhouse.Config.Model;

/// <summary>struct jailhouse_memory. <see cref="Name"/> exists only in YAML (for references and readability).</summary>
public sealed class MemoryRegion
{
    public string? Name { get; set; }
    public ulong PhysStart { get; set; }
    public ulong VirtStart { get; set; }
    public ulong Size { get; set; }
    public MemoryFlags Flags { get; set; }
    public SourceLocation? Origin { get; set; }

    public ulong PhysEnd => PhysStart + Size;
    public ulong VirtEnd => VirtStart + Size;

    /// <summary>Jailhouse's JAILHOUSE_MEMORY_IS_SUBPAGE: not page aligned in guest address or size.</summary>
    public bool IsSubpage => (VirtStart & 0xfff) != 0 || (Size & 0xfff) != 0;

    public override string ToString() =>
        $"{Name ?? "region"} phys 0x{PhysStart:x} virt 0x{VirtStart:x} size 0x{Size:x} flags 0x{(ulong)Flags:x}";
}
