using System.Runtime.InteropServices;

namespace Jailhouse.Hypervisor;

/// <summary>
/// A non-root cell: its configuration (copied into hypervisor memory by <see cref="Control"/>,
/// never read from the root cell again), second-stage tables, communication page and whether
/// its loadable memory is lent to the root cell. The queries here say what the cell owns
/// according to its configuration; the root cell owns what its own configuration lists and no
/// non-root cell took (<see cref="CellTable"/>).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct Cell
{
    /// <summary>Cell ID (1, 2, ...; the root cell is 0); 0 marks a free slot.</summary>
    public uint Id;
    /// <summary>1 while the cell's loadable regions are mapped into the root cell (set loadable until start).</summary>
    public uint Loadable;
    public byte* Config;
    public ulong ConfigPages;
    public ulong* Stage2Root;
    public byte* CommPage;
    /// <summary>What the architecture loads to run the cell's CPUs (arm64: VTTBR_EL2 with the cell's VMID).</summary>
    public ulong Stage2Pointer;
    /// <summary>The cell's emulated MMIO regions (sub-page regions, the GIC), filled by the
    /// architecture at create (<see cref="CellOperations.CreateArch"/>), read-only afterwards.</summary>
    public MmioDispatch Mmio;
    /// <summary>The architecture's pool pages for the cell (arm64: MMIO handler table, interrupt
    /// controller state, sub-page devices), given back at destroy.</summary>
    public byte* ArchPages;

    public CellDesc Desc => new(Config);
    public bool InUse => Id != 0;

    public bool HasCpu(uint cpu) => Desc.HasCpu(cpu);

    /// <summary>True if INTID <paramref name="irq"/> of the interrupt controller at <paramref name="chipAddress"/> (the GIC distributor) is the cell's.</summary>
    public bool OwnsSpi(ulong chipAddress, uint irq) => Desc.HasPin(chipAddress, irq);

    public bool OwnsPciDevice(ushort domain, ushort bdf) => Desc.HasPciDevice(domain, bdf);

    /// <summary>The state in the cell's communication region (<see cref="CommRegion"/>.Cell*).</summary>
    public uint CommState
    {
        get => *(uint*)(CommPage + CommRegion.CellStateField);
        set => *(uint*)(CommPage + CommRegion.CellStateField) = value;
    }
}

/// <summary>
/// The non-root cells: a fixed array of slots in hypervisor memory (one pool page). Who owns a
/// CPU, an interrupt pin or a PCI device is answered here for every cell, the root included.
/// </summary>
internal unsafe struct CellTable
{
    public Cell* Slots;
    public uint Capacity;
    /// <summary>Non-root cells that exist.</summary>
    public uint Count;

    public CellTable(Cell* slots, uint capacity)
    {
        Slots = slots;
        Capacity = capacity;
        Count = 0;
    }

    /// <summary>The non-root cell with ID <paramref name="id"/>, or null.</summary>
    public Cell* Find(ulong id)
    {
        if (id == 0)
            return null;
        for (uint i = 0; i < Capacity; i++)
            if (Slots[i].Id == id)
                return Slots + i;
        return null;
    }

    /// <summary>The non-root cell that has CPU <paramref name="cpu"/>, or null (the root cell's, or nobody's).</summary>
    public Cell* OfCpu(uint cpu)
    {
        for (uint i = 0; i < Capacity; i++)
            if (Slots[i].InUse && Slots[i].HasCpu(cpu))
                return Slots + i;
        return null;
    }

    public bool RootHasCpu(in SystemConfig system, uint cpu) => system.HasCpu(cpu) && OfCpu(cpu) == null;

    /// <summary>True if the root cell's configuration lists the pin and no non-root cell took it.</summary>
    public bool RootOwnsSpi(in SystemConfig system, ulong chipAddress, uint irq)
    {
        if (!system.RootDesc.HasPin(chipAddress, irq))
            return false;
        for (uint i = 0; i < Capacity; i++)
            if (Slots[i].InUse && Slots[i].OwnsSpi(chipAddress, irq))
                return false;
        return true;
    }

    /// <summary>True if the root cell's configuration lists the device and no non-root cell took it.</summary>
    public bool RootOwnsPciDevice(in SystemConfig system, ushort domain, ushort bdf)
    {
        if (!system.RootDesc.HasPciDevice(domain, bdf))
            return false;
        for (uint i = 0; i < Capacity; i++)
            if (Slots[i].InUse && Slots[i].OwnsPciDevice(domain, bdf))
                return false;
        return true;
    }

    /// <summary>True if [phys, phys + size) overlaps memory a non-root cell has for itself
    /// (neither shared with the root cell nor its communication page).</summary>
    public bool OverlapsCellMemory(ulong phys, ulong size)
    {
        for (uint i = 0; i < Capacity; i++)
        {
            if (!Slots[i].InUse)
                continue;
            CellDesc desc = Slots[i].Desc;
            for (uint n = 0; n < desc.MemoryRegionCount; n++)
            {
                MemoryRegion region = desc.MemoryRegion(n);
                if (!CellConfigCheck.IsCellPrivate(region))
                    continue;
                if (phys < region.Phys + region.Size && region.Phys < phys + size)
                    return true;
            }
        }
        return false;
    }
}
