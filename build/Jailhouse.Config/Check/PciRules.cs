using Jailhouse.Config.Binary;
using Jailhouse.Config.Model;
using Jailhouse.Config.Text;
using static Jailhouse.Config.Check.Ranges;

namespace Jailhouse.Config.Check;

/// <summary>
/// Rules on PCI devices: capability and shared-memory index ranges inside the cell's arrays,
/// ivshmem peer numbering, and MSI-X tables left to the hypervisor.
/// </summary>
internal static class PciRules
{
    /// <summary>The hypervisor's limit on ivshmem peers per link (hypervisor/ivshmem.c).</summary>
    public const int MaxIvshmemPeers = 12;

    public static void Run(CheckContext context)
    {
        foreach (var cell in context.Cells)
        {
            ReaderIndexWarnings(context, cell);
            foreach (var device in cell.Cell.PciDevices)
            {
                CapabilityRange(context, cell, device);
                if (device.Type == PciDeviceType.Ivshmem)
                    ShmemRange(context, cell, device);
                else
                    MsixTable(context, cell, device);
            }
        }
        IvshmemPeers(context);
    }

    /// <summary>A binary file's caps_start/num_caps or shmem_regions_start beyond the arrays (read tolerantly).</summary>
    private static void ReaderIndexWarnings(CheckContext context, CheckedCell cell)
    {
        foreach (var warning in cell.ReaderWarnings)
        {
            if (warning.Kind is not (ReaderWarningKind.CapabilitiesOutOfRange or ReaderWarningKind.ShmemRegionsOutOfRange))
                continue;
            var device = cell.Cell.PciDevices.FirstOrDefault(d => d.Origin is { } o
                && warning.Location.ByteOffset >= o.ByteOffset && warning.Location.ByteOffset < o.ByteOffset + BinaryLayout.PciDeviceSize);
            bool caps = warning.Kind == ReaderWarningKind.CapabilitiesOutOfRange;
            context.Error(caps ? "pci-caps-range" : "shmem-range", cell,
                device is null ? $"{cell.Prefix}.pci-devices" : cell.DeviceEntry(device), warning.Location, warning.Message,
                caps ? "fix caps_start/num_caps (in YAML the compiler derives them from the device's caps list)"
                     : "fix shmem_regions_start (in YAML the compiler derives it from the device's shmem regions)");
        }
    }

    /// <summary>A device's capabilities are one run of the cell's pci-caps: caps_start and num_caps index it.</summary>
    private static void CapabilityRange(CheckContext context, CheckedCell cell, PciDevice device)
    {
        if (device.Capabilities.Count == 0)
            return;
        var all = cell.Cell.PciCapabilities;
        int start = all.IndexOf(device.Capabilities[0]);
        bool run = start >= 0 && start + device.Capabilities.Count <= all.Count
            && device.Capabilities.Select((cap, i) => ReferenceEquals(all[start + i], cap)).All(x => x);
        if (!run)
            context.Error("pci-caps-range", cell, cell.DeviceEntry(device), device.Origin,
                $"the device's {device.Capabilities.Count} capabilities are not one consecutive run of the cell's {all.Count} pci-caps, so caps_start/num_caps cannot describe them",
                "list the device's capabilities in pci-caps one after the other, in the device's order");
    }

    private static void ShmemRange(CheckContext context, CheckedCell cell, PciDevice device)
    {
        string entry = cell.DeviceEntry(device);
        int needed = PciDevice.IvshmemRegionCount(device.ShmemPeers);
        var all = cell.Cell.MemoryRegions;
        int start = device.ShmemRegions.Count == 0 ? -1 : all.IndexOf(device.ShmemRegions[0]);
        bool run = start >= 0 && start + device.ShmemRegions.Count <= all.Count
            && device.ShmemRegions.Select((r, i) => ReferenceEquals(all[start + i], r)).All(x => x);
        if (device.ShmemRegions.Count != needed || !run)
            context.Error("shmem-range", cell, entry, device.Origin,
                $"an ivshmem device with {device.ShmemPeers} peers needs {needed} consecutive memory regions of the cell (state table, read/write section, one output per peer), it has {device.ShmemRegions.Count}{(run ? "" : " not in one run")}",
                "list the state, read/write and output regions one after the other in memory and name the first in shmem regions");
        if (device.ShmemPeers > MaxIvshmemPeers)
            context.Error("ivshmem-peers", cell, entry, device.Origin,
                $"{device.ShmemPeers} peers: the hypervisor links at most {MaxIvshmemPeers}", $"use at most {MaxIvshmemPeers} peers");
        if (device.ShmemDevId >= device.ShmemPeers)
            context.Error("ivshmem-peers", cell, entry, device.Origin,
                $"dev-id {device.ShmemDevId} is not below peers {device.ShmemPeers}: the state table has one entry per peer",
                $"number the peers 0..{Math.Max(0, device.ShmemPeers - 1)}, or raise peers");
    }

    /// <summary>
    /// The hypervisor traps writes to a device's MSI-X table to remap its interrupts; a memory
    /// region covering the table would let the cell program interrupts directly.
    /// </summary>
    private static void MsixTable(CheckContext context, CheckedCell cell, PciDevice device)
    {
        if (device.NumMsixVectors == 0 || device.MsixAddress == 0)
            return;
        // Each MSI-X table entry is 16 bytes; upstream configs give the page-rounded region size.
        ulong size = Math.Max(device.MsixRegionSize, (ulong)device.NumMsixVectors * 16);
        foreach (var region in cell.PhysicalRegions)
            if (Overlap(region.PhysStart, region.Size, device.MsixAddress, size))
                context.Error("msix-mapped", cell, cell.MemoryEntry(region), region.Origin,
                    $"{Span(region.PhysStart, region.Size)} maps the MSI-X table {Span(device.MsixAddress, size)} of {cell.DeviceEntry(device)} ({BdfSyntax.Format(device.Domain, device.Bdf)}); the hypervisor must trap it",
                    "split the region around the MSI-X table (leave its pages unmapped)");
    }

    /// <summary>Peers of one ivshmem link (the same BDF in several cells) need different dev-ids.</summary>
    private static void IvshmemPeers(CheckContext context)
    {
        var seen = new Dictionary<(ushort Bdf, byte Id), (CheckedCell Cell, PciDevice Device)>();
        foreach (var cell in context.Cells)
            foreach (var device in cell.Cell.PciDevices.Where(d => d.Type == PciDeviceType.Ivshmem))
            {
                if (seen.TryGetValue((device.Bdf, device.ShmemDevId), out var first) && first.Cell != cell)
                    context.Error("ivshmem-peers", cell, cell.DeviceEntry(device), device.Origin,
                        $"ivshmem {BdfSyntax.Format(device.Domain, device.Bdf)} dev-id {device.ShmemDevId} is also used by cell \"{first.Cell.Name}\" ({first.Cell.DeviceEntry(first.Device)}): the second cell is refused",
                        "give each peer of the link its own dev-id (the root cell is usually 0)");
                else
                    seen.TryAdd((device.Bdf, device.ShmemDevId), (cell, device));
            }
    }
}
