using Jailhouse.Config.Model;

namespace Jailhouse.Config.Check;

/// <summary>x86: the local APIC page and the IOAPICs are emulated by the hypervisor, never mapped.</summary>
internal static class X86Rules
{
    public const ulong XApicBase = 0xfee00000;

    public static void Run(CheckContext context)
    {
        if (context.Architecture != Architecture.X86)
            return;
        PlatformRules.Intercepted(context, "xapic-overlap", "the xAPIC page", XApicBase, Ranges.PageSize,
            "leave 0xfee00000-0xfee00fff unmapped (the hypervisor emulates the local APIC): split the region around it");
        // Upstream looks at the root cell's IOAPICs; a non-root cell's irqchips are the same chips.
        var ioapics = context.Cells.SelectMany(c => c.Cell.Irqchips).Select(chip => chip.Address).Distinct().Order();
        foreach (ulong address in ioapics)
            PlatformRules.Intercepted(context, "ioapic-overlap", "an IOAPIC", address, Ranges.PageSize,
                $"leave the IOAPIC page 0x{address:x} unmapped (the hypervisor emulates it): split the region around it");
    }
}
