using System.Text;
using Jailhouse.Config.Model;
using Jailhouse.Config.Text;
using Jailhouse.Generate.Snapshot;
using Jailhouse.Generate.X86;

namespace Jailhouse.Generate.Diagnose;

/// <summary>What one dump means, who owns the resource, and the configuration change that allows the access.</summary>
public sealed record Diagnosis(FatalDump Dump, IReadOnlyList<string> Findings, string? Owner, string? FixSection, string? Fix);

/// <summary>
/// Explains the hypervisor's fatal dumps with the machine's snapshot (owners from /proc/iomem,
/// /proc/ioports and PCI config spaces) and the configuration that was running (what it already
/// allows), and proposes the YAML entries that fix them.
/// </summary>
public sealed class Diagnoser(SystemSnapshot? snapshot, JailhouseConfig? config)
{
    private readonly ResourceTree? iomem = snapshot?.TryReadText("proc/iomem") is { } m ? ResourceTree.Parse(m, snapshot.At("proc/iomem")) : null;
    private readonly ResourceTree? ioports = snapshot?.TryReadText("proc/ioports") is { } p ? ResourceTree.Parse(p, snapshot.At("proc/ioports")) : null;
    private readonly List<PciFunction> functions = snapshot is null ? [] : PciFunction.ReadAll(snapshot);

    public Diagnosis Explain(FatalDump dump) => dump switch
    {
        MemoryAccessDump memory => ExplainMemory(memory),
        PortAccessDump port => ExplainPort(port),
        PciConfigDump pci => ExplainPci(pci),
        ArmTrapDump trap => new Diagnosis(dump, [ArmExceptionClass(trap.ExceptionClass) +
            (trap.ExceptionClass == 0x24 ? "; the \"Unhandled data\" line before it has the address" : "")], null, null, null),
        _ => new Diagnosis(dump, ["not an access violation this tool decodes; see the hypervisor source for this message"], null, null, null),
    };

    private static string Access(bool write, int size) => $"{(write ? "write" : "read")}{(size > 0 ? $" of {size} byte{(size == 1 ? "" : "s")}" : "")}";

    private Diagnosis ExplainMemory(MemoryAccessDump dump)
    {
        var findings = new List<string> { $"a {Access(dump.IsWrite, dump.Size)} at physical address 0x{dump.Address:x} that the cell's memory regions do not allow" };
        string? owner = null;
        ulong start = dump.Address & ~0xfffUL, end = start + 0x1000;
        bool ram = false;
        if (iomem?.PathTo(dump.Address) is { Count: > 0 } path)
        {
            owner = string.Join(" > ", path.Select(n => $"{n.Name} ({n.Start:x}-{n.End:x})"));
            var owning = path[^1];
            findings.Add($"/proc/iomem: {owner}");
            // A named leaf (a driver's or firmware's range) is mapped whole; plain reserved space or an
            // empty PCI window only as far as the access needs.
            if (!owning.Name.Equals("reserved", StringComparison.OrdinalIgnoreCase) && !owning.Name.StartsWith("PCI Bus", StringComparison.Ordinal))
            {
                start = owning.Start & ~0xfffUL;
                end = (owning.End + 1 + 0xfff) & ~0xfffUL;
                ram = owning.Name is "System RAM" or "ACPI Non-volatile Storage" or "ACPI Tables";
            }
            else
            {
                findings.Add("no driver or firmware table names this range; check that the access is intended before mapping it");
            }
        }
        else if (iomem is not null)
        {
            findings.Add("/proc/iomem lists nothing at this address");
        }
        string name = owner is null ? $"mmio-{dump.Address:x}" : RootMemoryRegions.Slug(iomem!.PathTo(dump.Address)[^1].Name);

        if (config?.Cell.MemoryRegions.FirstOrDefault(r => dump.Address >= r.PhysStart && dump.Address < r.PhysEnd && r.Size > 0) is { } region)
        {
            bool missingWrite = dump.IsWrite && !region.Flags.HasFlag(MemoryFlags.Write);
            findings.Add($"the configuration maps it in region \"{region.Name ?? "unnamed"}\" (0x{region.PhysStart:x}, {NumberSyntax.Size(region.Size)})" +
                (missingWrite ? " without write permission" : "; was the hypervisor running an older configuration?"));
            if (!missingWrite)
                return new Diagnosis(dump, findings, owner, null, null);
            var fixedRegion = new MemoryRegion { Name = region.Name, PhysStart = region.PhysStart, VirtStart = region.VirtStart, Size = region.Size, Flags = region.Flags | MemoryFlags.Write };
            return new Diagnosis(dump, findings, owner, "root-cell: memory (change the flags of this entry)", RegionYaml(fixedRegion));
        }
        var flags = ram ? MemoryFlags.Read | MemoryFlags.Write | MemoryFlags.Execute | MemoryFlags.Dma : MemoryFlags.Read | MemoryFlags.Write;
        if (dump.IsArm || config?.Architecture is Architecture.Arm or Architecture.Arm64)
            flags = ram ? flags : flags | MemoryFlags.Io;
        var add = new MemoryRegion { Name = name, PhysStart = start, VirtStart = start, Size = end - start, Flags = flags };
        return new Diagnosis(dump, findings, owner, "root-cell: memory (add)", RegionYaml(add));
    }

    private Diagnosis ExplainPort(PortAccessDump dump)
    {
        var findings = new List<string> { $"a {Access(dump.IsWrite, dump.Size)} to I/O port 0x{dump.Port:x}, outside the cell's pio list" };
        if (dump.Port is >= PciConfigDump.AddressPortNumber and < PciConfigDump.AddressPortNumber + 8)
        {
            findings.Add("ports 0xcf8-0xcff are PCI config space, which the hypervisor always emulates: this is a refused config access (see the next lines of the log)");
            return new Diagnosis(dump, findings, "PCI conf1", null, null);
        }
        string? owner = null;
        ushort start = dump.Port;
        int length = Math.Max(dump.Size, 1);
        if (ioports?.PathTo(dump.Port) is { Count: > 0 } path)
        {
            owner = string.Join(" > ", path.Select(n => $"{n.Name} ({n.Start:x4}-{n.End:x4})"));
            findings.Add($"/proc/ioports: {owner}");
            var owning = path[^1];
            if (!owning.Name.StartsWith("PCI Bus", StringComparison.Ordinal))
            {
                start = (ushort)owning.Start;
                length = (int)Math.Min(owning.Size, ushort.MaxValue);
            }
        }
        else if (ioports is not null)
        {
            findings.Add("/proc/ioports lists nothing at this port");
        }
        if (config?.Cell.PioRanges.FirstOrDefault(r => dump.Port >= r.Base && dump.Port < r.Base + r.Length) is { } existing)
        {
            findings.Add($"the configuration allows it (pio entry {existing.Name ?? $"0x{existing.Base:x}"}); was the hypervisor running an older configuration?");
            return new Diagnosis(dump, findings, owner, null, null);
        }
        string name = ioports?.PathTo(dump.Port) is { Count: > 0 } p ? RootMemoryRegions.Slug(p[^1].Name) : $"port-{dump.Port:x}";
        return new Diagnosis(dump, findings, owner, "root-cell: pio (add)",
            $"- {{ name: \"{name}\", base: 0x{start:x4}, length: 0x{length:x} }}");
    }

    private Diagnosis ExplainPci(PciConfigDump dump)
    {
        var findings = new List<string>();
        if (dump.AddressPort is { } a)
            findings.Add($"address port 0x{a:x8}: enable bit {(dump.Enabled == true ? 1 : 0)}, bus 0x{(a >> 16) & 0xff:x2}, device 0x{(a >> 11) & 0x1f:x2}, function {(a >> 8) & 7}, register 0x{a & 0xfc:x2}" +
                (dump.Port is { } p ? $" + {p - PciConfigDump.DataPort} (data port 0x{p:x})" : ""));
        if (dump.ExtendedRegisterBits != 0)
            findings.Add($"bits 27:24 (0x{dump.ExtendedRegisterBits:x}) select AMD extended config space, which Jailhouse does not support through 0xcf8");
        if (dump.Target is not { } target)
        {
            findings.Add(dump.Port is { } port && port != PciConfigDump.AddressPortNumber && port - PciConfigDump.DataPort + dump.Size > 4
                ? "the access overflows the data port 0xcfc-0xcff" : "an access to the address port 0xcf8 that is not 4 bytes wide, or the address port is unknown");
            return new Diagnosis(dump, findings, null, null, null);
        }
        if (dump.Enabled == false)
            findings.Add("the enable bit is clear: no config cycle would happen on real hardware");
        var (bus, dev, fn, register) = target;
        ushort bdf = (ushort)(bus << 8 | dev << 3 | fn);
        string bdfText = $"{bus:x2}:{dev:x2}.{fn:x}";
        findings.Insert(0, $"a config space {Access(dump.IsWrite, dump.Size)} to device {bdfText}, register 0x{register:x}{(dump.ViaMmconfig ? " (through MMCONFIG)" : "")}");

        var function = functions.FirstOrDefault(f => f.Bdf == bdf);
        PciCapabilityEntry? cap = function?.CapabilityAt(register);
        string? owner = null;
        if (function is not null)
        {
            owner = $"{bdfText} (vendor 0x{function.VendorId:x4}, device 0x{function.DeviceId:x4}, class 0x{function.ClassCode:x4})";
            findings.Add($"snapshot: {owner}");
            findings.Add(cap is null
                ? $"no capability of {bdfText} covers register 0x{register:x}" + (register < 0x40 ? " (the standard header, which the hypervisor handles itself)" : " (device-specific registers)")
                : $"register 0x{register:x} is at offset 0x{register - cap.Start:x} of its {CapabilityName(cap.Id)} capability at 0x{cap.Start:x}" +
                  (RegisterName(cap.Id, register - cap.Start) is { } r ? $" ({r})" : ""));
        }
        else if (snapshot is not null)
        {
            findings.Add($"the snapshot has no PCI function {bdfText}");
        }

        var device = config?.Cell.PciDevices.FirstOrDefault(d => d.Bdf == bdf);
        if (config is not null && device is null)
        {
            findings.Add($"{bdfText} is not among the cell's pci-devices, so the hypervisor refuses every access to it");
            var entry = new StringBuilder();
            entry.Append($"- name: \"device-{bdfText}\"\n  type: {(function?.IsBridge == true ? "bridge" : "device")}\n  bdf: \"{bdfText}\"");
            return new Diagnosis(dump, findings, owner, "root-cell: pci-devices (add; `jailhouse config create` lists its capabilities)", entry.ToString());
        }
        if (device?.Capabilities.FirstOrDefault(c => register >= c.Start && register < c.Start + c.Length) is { } configured)
        {
            if (configured.Flags.HasFlag(PciCapabilityFlags.Write) || !dump.IsWrite)
            {
                findings.Add($"the configuration already allows this (pci-caps entry \"{configured.Name}\"); was the hypervisor running an older configuration?");
                return new Diagnosis(dump, findings, owner, null, null);
            }
            findings.Add($"pci-caps entry \"{configured.Name}\" covers it read-only; writes need flags: [write] (Jailhouse then passes them to the device: make sure that is safe)");
            return new Diagnosis(dump, findings, owner, "root-cell: pci-caps (change this entry)",
                CapYaml(configured.Name, configured.Id, configured.Start, configured.Length, true));
        }
        if (dump.IsWrite && register < 0x40)
        {
            findings.Add("writes to the standard header are moderated by the hypervisor; this one is refused by design");
            return new Diagnosis(dump, findings, owner, null, null);
        }
        string capName = device?.Name is { } n ? $"{n}-" : $"device-{bdfText}-";
        string yaml = cap is not null
            ? CapYaml(capName + Names.PciCapabilityId.FormatValue(cap.Id), cap.Id, cap.Start, cap.Length, dump.IsWrite)
            : CapYaml(capName + $"regs-{register & ~3:x}", 0, (ushort)(register & ~3), (ushort)Math.Max(4, dump.Size), dump.IsWrite);
        if (cap is not null && dump.IsWrite && (cap.Id & 0xff) == 0x10)
            findings.Add("upstream Jailhouse leaves PCI Express capabilities read-only because writes to them are not analysed; allow them only for registers you know to be harmless");
        return new Diagnosis(dump, findings, owner,
            $"root-cell: pci-caps (add, and list it in the caps of {bdfText}; a device's caps must be consecutive entries)", yaml);
    }

    private static string CapYaml(string? name, ushort id, ushort start, ushort length, bool write) =>
        $"- {{ {(name is null ? "" : $"name: \"{name}\", ")}id: {Names.PciCapabilityId.FormatValue(id)}, start: 0x{start:x}, length: {length}{(write ? ", flags: [write]" : "")} }}";

    private static string RegionYaml(MemoryRegion region)
    {
        var text = new StringBuilder();
        text.Append($"- name: \"{region.Name}\"\n");
        text.Append($"  phys: 0x{region.PhysStart:x8}\n");
        if (region.VirtStart != region.PhysStart)
            text.Append($"  virt: 0x{region.VirtStart:x8}\n");
        text.Append($"  size: {NumberSyntax.Size(region.Size)}\n");
        text.Append($"  flags: [{string.Join(", ", Names.MemoryFlags.FormatFlags((ulong)region.Flags))}]");
        return text.ToString();
    }

    private static string CapabilityName(ushort id) => Names.PciCapabilityId.FormatValue(id) switch
    {
        "exp" => "PCI Express",
        "msi" => "MSI",
        "msix" => "MSI-X",
        "pm" => "power management",
        "ext-aer" => "AER (extended)",
        var other => other,
    };

    /// <summary>Registers of the capabilities people hit most, by offset inside the capability.</summary>
    private static string? RegisterName(ushort id, int offset) => (id, offset & ~1) switch
    {
        (0x10, 0x02) => "PCI Express Capabilities",
        (0x10, 0x04) or (0x10, 0x06) => "Device Capabilities",
        (0x10, 0x08) => "Device Control",
        (0x10, 0x0a) => "Device Status",
        (0x10, 0x0c) or (0x10, 0x0e) => "Link Capabilities",
        (0x10, 0x10) => "Link Control",
        (0x10, 0x12) => "Link Status",
        (0x10, 0x14) or (0x10, 0x16) => "Slot Capabilities",
        (0x10, 0x18) => "Slot Control",
        (0x10, 0x1a) => "Slot Status",
        (0x10, 0x1c) => "Root Control",
        (0x10, 0x20) or (0x10, 0x22) => "Root Status",
        (0x10, 0x24) or (0x10, 0x26) => "Device Capabilities 2",
        (0x10, 0x28) => "Device Control 2",
        (0x10, 0x30) => "Link Control 2",
        (0x05, 0x02) or (0x11, 0x02) => "Message Control",
        (0x01, 0x04) => "Power Management Control/Status",
        _ => null,
    };

    private static string ArmExceptionClass(byte ec) => ec switch
    {
        0x01 => "exception class 0x01: WFI/WFE",
        0x16 => "exception class 0x16: HVC from AArch64",
        0x17 => "exception class 0x17: SMC from AArch64 (a firmware call the hypervisor does not forward)",
        0x18 => "exception class 0x18: MSR/MRS system register access",
        0x20 => "exception class 0x20: instruction abort from the cell (executing memory it has no execute permission for)",
        0x24 => "exception class 0x24: data abort from the cell (memory it has no region for)",
        _ => $"exception class 0x{ec:x2}",
    };

    /// <summary>The whole report, one block per dump.</summary>
    public static string Report(string logName, IEnumerable<Diagnosis> diagnoses)
    {
        var text = new StringBuilder();
        foreach (var d in diagnoses)
        {
            text.Append($"{logName}:{d.Dump.Line}: {d.Dump.Text}\n");
            foreach (string finding in d.Findings)
                text.Append($"  - {finding}\n");
            if (d.Fix is not null)
            {
                text.Append($"  fix, in {d.FixSection}:\n");
                foreach (string line in d.Fix.Split('\n'))
                    text.Append($"    {line}\n");
            }
            text.Append('\n');
        }
        return text.ToString();
    }
}
