namespace Jailhouse.Hypervisor;

/// <summary>
/// A segment as the VMCS wants it (base, limit, access rights), decoded from a GDT descriptor:
/// 8-byte code/data descriptors, 16-byte system descriptors (TSS, LDT) in 64-bit mode, and
/// the "unusable" access right (bit 16) for a null selector.
/// </summary>
internal readonly struct X86Segment
{
    public const uint Unusable = 1 << 16;

    public readonly ushort Selector;
    public readonly ulong Base;
    public readonly uint Limit;
    public readonly uint AccessRights;

    public X86Segment(ushort selector, ulong baseAddress, uint limit, uint accessRights)
    {
        Selector = selector;
        Base = baseAddress;
        Limit = limit;
        AccessRights = accessRights;
    }

    /// <summary>Decodes <paramref name="selector"/> from the GDT at <paramref name="gdt"/>.</summary>
    public static unsafe X86Segment FromGdt(byte* gdt, ushort selector)
    {
        if ((selector & ~7) == 0)
            return new X86Segment(selector, 0, 0, Unusable);
        ulong low = *(ulong*)(gdt + (selector & ~7));
        ulong baseAddress = ((low >> 16) & 0xffffff) | (((low >> 56) & 0xff) << 24);
        uint limit = (uint)((low & 0xffff) | (((low >> 48) & 0xf) << 16));
        // Access rights: type, S, DPL, P (bits 7:0) and AVL, L, D/B, G (bits 15:12).
        uint access = (uint)((low >> 40) & 0xff) | (uint)(((low >> 52) & 0xf) << 12);
        if ((access & (1 << 15)) != 0)
            limit = (limit << 12) | 0xfff;
        bool system = (access & (1 << 4)) == 0;
        if (system)
            baseAddress |= *(ulong*)(gdt + (selector & ~7) + 8) << 32;
        return new X86Segment(selector, baseAddress, limit, access);
    }
}
