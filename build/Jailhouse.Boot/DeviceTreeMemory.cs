using Jailhouse.DeviceTree;

namespace Jailhouse.Boot;

/// <summary>RAM banks and firmware-reserved ranges as a device tree describes them.</summary>
public static class DeviceTreeMemory
{
    /// <summary>Replaces the board's RAM banks with /memory and adds /reserved-memory children and /memreserve entries as firmware-reserved.</summary>
    public static void Apply(BoardDescription board, Fdt fdt)
    {
        var banks = fdt.Root.Children
            .Where(n => n.Property("device_type")?.AsString() == "memory" && n.IsEnabled)
            .SelectMany(n => n.Reg())
            .Where(r => r.Size > 0)
            .OrderBy(r => r.Address)
            .ToList();
        if (banks.Count == 0)
            throw new ArgumentException("the device tree has no enabled memory node");
        board.RamBanks.Clear();
        board.RamBanks.AddRange(banks);
        foreach (var reserved in fdt.Find("/reserved-memory")?.Children ?? [])
            if (reserved.IsEnabled)
                board.FirmwareReserved.AddRange(reserved.Reg().Where(r => r.Size > 0));
        board.FirmwareReserved.AddRange(fdt.MemoryReservations.Where(r => r.Size > 0));
    }
}
