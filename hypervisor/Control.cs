namespace Jailhouse.Hypervisor;

/// <summary>
/// What cell management needs from the architecture: reading the root cell's memory, the
/// encoding of second-stage tables, and moving CPUs. Null members (x86 so far) make the cell
/// hypercalls answer -ENOSYS.
/// </summary>
internal unsafe struct CellOperations
{
    /// <summary>Copies bytes at a physical address of RAM (within one page) to hypervisor memory; 0 or -errno.</summary>
    public delegate*<ulong, ulong, byte*, int> CopyFromPhys;
    /// <summary>The root cell's second-stage tables changed: drop what every CPU cached of them.</summary>
    public delegate*<void> FlushRootTlb;
    /// <summary>Stops every CPU of the cell in the hypervisor (<see cref="PowerState.Off"/>); 0 or -EBUSY.</summary>
    public delegate*<Cell*, int> ParkCpus;
    /// <summary>Starts a parked CPU of the cell at its reset address with a clean EL1/guest state.</summary>
    public delegate*<Cell*, uint, void> StartCpu;
    /// <summary>The value that installs the cell's tables (arm64 VTTBR_EL2: root table | VMID = cell ID).</summary>
    public delegate*<ulong, uint, ulong> Stage2Pointer;
    /// <summary>True if a leaf entry of the root cell's tables maps normal memory (RAM), not device registers.</summary>
    public delegate*<ulong, bool> MapsRam;
    /// <summary>Fills the architecture's part of a cell's communication page.</summary>
    public delegate*<byte*, SystemConfig, CellDesc, void> FillCommRegion;
    /// <summary>The architecture's part of a new cell (upstream's arch_cell_create): its MMIO
    /// handlers, its interrupts taken from the root cell; 0 or -errno (then
    /// <see cref="DestroyArch"/> undoes what was done). Null: nothing to do.</summary>
    public delegate*<Cell*, int> CreateArch;
    /// <summary>Undoes <see cref="CreateArch"/> (the cell's CPUs are parked): interrupts back to the
    /// root cell, pages back to the pool. Must cope with a half-done create. Null: nothing to do.</summary>
    public delegate*<Cell*, void> DestroyArch;
}

/// <summary>
/// The cell management hypercalls, with upstream's codes, states and errno values
/// (hypervisor/control.c): create (configuration copied from the root cell's guest-physical
/// address and checked by <see cref="CellConfigCheck"/>), set loadable, start, destroy, get state.
/// Only the root cell manages. A cell's CPUs wait in the hypervisor until start; its private
/// memory leaves the root cell's tables and comes back at destroy, its loadable memory is lent
/// to the root cell between set loadable and start; the comm region carries the shutdown request.
/// </summary>
internal static unsafe class Control
{
    /// <summary>The most a configuration may span (upstream's NUM_TEMPORARY_PAGES).</summary>
    public const ulong MaxConfigPages = 16;

    public static bool Supported(ref HypercallContext context) =>
        context.Cells.Slots != null && context.Pool != null && context.Ops.CopyFromPhys != null;

    private static bool CallerIsRoot(ref HypercallContext context, uint callerCpu) => context.Cpu(callerCpu)->OwnerCell == null;

    private static void Say(ref HypercallContext context, string text)
    {
        for (int i = 0; i < text.Length; i++)
            context.ConsolePut((byte)text[i]);
    }

    private static void SayName(ref HypercallContext context, byte* name)
    {
        for (int i = 0; i < SystemConfig.CellNameSize && name[i] != 0; i++)
            context.ConsolePut(name[i]);
    }

    private static void Report(ref HypercallContext context, string before, byte* name, string after)
    {
        Say(ref context, before);
        SayName(ref context, name);
        Say(ref context, after);
    }

    /// <summary>
    /// Copies <paramref name="length"/> bytes at the root cell's guest-physical
    /// <paramref name="address"/>, page by page through its second-stage tables (so only memory the
    /// root cell can read itself); -ENOMEM for an address it has no memory at, as upstream, and
    /// -EINVAL for device registers (the hypervisor reads through a cacheable mapping, which a
    /// device must never see).
    /// </summary>
    public static int ReadRootGuest(ref HypercallContext context, ulong address, ulong length, byte* destination)
    {
        while (length > 0)
        {
            ulong inPage = PagePool.PageSize - (address & (PagePool.PageSize - 1));
            ulong part = length < inPage ? length : inPage;
            if (!PageTable.Translate(context.RootStage2, ref *context.Pool, context.Stage2Format, address, out ulong phys, out ulong entry))
                return Errno.ENOMEM;
            if (!context.Ops.MapsRam(entry))
                return Errno.EINVAL;
            int result = context.Ops.CopyFromPhys(phys, part, destination);
            if (result != 0)
                return result;
            address += part;
            destination += part;
            length -= part;
        }
        return 0;
    }

    public static long Create(ref HypercallContext context, uint callerCpu, ulong configAddress)
    {
        if (!CallerIsRoot(ref context, callerCpu))
            return Errno.EPERM;
        if (!ReconfigurationAllowed(ref context, null))
            return Errno.EPERM;
        // The header first: its counts give the size, which bounds the copy.
        byte* header = stackalloc byte[SystemConfig.CellDescSize];
        int result = ReadRootGuest(ref context, configAddress, (ulong)SystemConfig.CellDescSize, header);
        if (result != 0)
            return result;
        if (!CellConfigCheck.HeaderValid(header, context.Architecture))
        {
            Say(ref context, "Cell create: not a cell configuration of this revision and architecture\n");
            return Errno.EINVAL;
        }
        ulong size = new CellDesc(header).ConfigSize;
        ulong offset = configAddress & (PagePool.PageSize - 1);
        if ((offset + size + PagePool.PageSize - 1) / PagePool.PageSize > MaxConfigPages)
            return Errno.E2BIG;
        Cell* cell = FreeSlot(ref context);
        if (cell == null)
            return Errno.ENOMEM;
        ulong pages = (size + PagePool.PageSize - 1) / PagePool.PageSize;
        byte* config = context.Pool->AllocateContiguous(pages);
        if (config == null)
            return Errno.ENOMEM;
        result = ReadRootGuest(ref context, configAddress, size, config);
        // Checked again on the copy: the root cell may have changed its memory in between.
        var desc = new CellDesc(config);
        if (result == 0 && (!CellConfigCheck.HeaderValid(config, context.Architecture) || desc.ConfigSize != size))
            result = Errno.EINVAL;
        if (result != 0)
        {
            context.Pool->FreeContiguous(config, pages);
            return result;
        }
        desc.Name[SystemConfig.CellNameSize - 1] = 0;
        if (NameTaken(ref context, desc.Name))
        {
            context.Pool->FreeContiguous(config, pages);
            return Errno.EEXIST;
        }
        result = CellConfigCheck.Check(ref context, desc, callerCpu, out string reason);
        if (result != 0)
        {
            Report(ref context, "Cell create: \"", desc.Name, "\" refused: ");
            Say(ref context, reason);
            Say(ref context, "\n");
            context.Pool->FreeContiguous(config, pages);
            return result;
        }
        result = BuildCell(ref context, cell, config, pages);
        if (result != 0)
            return result;
        // Checked above, claimed here atomically with CPU_ON: a CPU the root cell turned on in
        // between stays the root cell's.
        if (!CpuOwnership.Claim(ref context, cell, callerCpu))
        {
            Release(ref context, cell);
            return Errno.EBUSY;
        }
        // The cell's MMIO handlers and interrupts (its CPUs are its own already).
        result = context.Ops.CreateArch != null ? context.Ops.CreateArch(cell) : 0;
        if (result != 0)
        {
            Report(ref context, "Cell create: \"", desc.Name, "\" failed in the architecture's set-up\n");
            Release(ref context, cell);
            return result;
        }
        result = MoveMemory(ref context, cell->Desc, toRoot: false, loadableOnly: false);
        if (result != 0)
        {
            // Out of pool pages while splitting the root cell's tables: undo.
            MoveMemory(ref context, cell->Desc, toRoot: true, loadableOnly: false);
            context.Ops.FlushRootTlb();
            Release(ref context, cell);
            return result;
        }
        context.Ops.FlushRootTlb();
        context.Cells.Count++;
        ReconfigurationCompleted(ref context);
        Report(ref context, "Created cell \"", desc.Name, "\"\n");
        return cell->Id;
    }

    /// <summary>Tables, comm page and ID of the new cell in slot <paramref name="cell"/>; on failure everything is given back.</summary>
    private static int BuildCell(ref HypercallContext context, Cell* cell, byte* config, ulong pages)
    {
        cell->Config = config;
        cell->ConfigPages = pages;
        cell->Loadable = 0;
        cell->Stage2Root = (ulong*)context.Pool->Allocate();
        cell->CommPage = (byte*)context.Pool->Allocate();
        cell->Id = LowestFreeId(ref context);
        int result = cell->Stage2Root == null || cell->CommPage == null ? Errno.ENOMEM
            : CellPaging.MapRegions(cell->Desc, context.Config.HypervisorPhys, context.Config.HypervisorSize, cell->Stage2Root,
                ref *context.Pool, context.Stage2Format, context.Stage2Flags, context.Pool->ToPhys(cell->CommPage));
        if (result != 0)
        {
            Release(ref context, cell);
            return result;
        }
        context.Ops.FillCommRegion(cell->CommPage, context.Config, cell->Desc);
        cell->CommState = CommRegion.CellShutDown;
        cell->Stage2Pointer = context.Ops.Stage2Pointer(context.Pool->ToPhys(cell->Stage2Root), cell->Id);
        return 0;
    }

    /// <summary>
    /// Whether CPU <paramref name="sender"/> may signal CPU <paramref name="target"/> (SGIs) or
    /// touch its private interrupt state (redistributor frame): both are CPUs of the system
    /// that entered the hypervisor (a CPU that never did is not the hypervisor's to signal)
    /// and belong to the same cell now -- the root cell (no owner) or the same non-root cell.
    /// </summary>
    public static bool CpusShareCell(ref HypercallContext context, uint sender, uint target)
    {
        if (sender >= context.MaxCpus || target >= context.MaxCpus)
            return false;
        if (!context.Config.HasCpu(sender) || !context.Config.HasCpu(target))
            return false;
        if (context.Cpu(sender)->OwnerCell != context.Cpu(target)->OwnerCell)
            return false;
        return Arch.LoadAcquire(ref context.Cpu(target)->PowerState) != PowerState.Absent;
    }

    /// <summary>Gives the cell's pages back, hands its CPUs to the root cell and frees the slot.</summary>
    private static void Release(ref HypercallContext context, Cell* cell)
    {
        if (context.Ops.DestroyArch != null)
            context.Ops.DestroyArch(cell);
        for (uint cpu = 0; cpu < context.MaxCpus; cpu++)
        {
            PerCpu* data = context.Cpu(cpu);
            if (data->OwnerCell != cell)
                continue;
            data->OwnerCell = null;
            data->ParkRequest = 0;
            // Parked for the root cell: Linux brings it back with PSCI CPU_ON.
            Arch.StoreRelease(ref data->PowerState, PowerState.Off);
        }
        if (cell->Stage2Root != null)
            PageTable.Destroy(cell->Stage2Root, ref *context.Pool, context.Stage2Format);
        context.Pool->Free(cell->CommPage);
        context.Pool->FreeContiguous(cell->Config, cell->ConfigPages);
        *cell = default;
    }

    private static Cell* FreeSlot(ref HypercallContext context)
    {
        for (uint i = 0; i < context.Cells.Capacity; i++)
            if (!context.Cells.Slots[i].InUse)
                return context.Cells.Slots + i;
        return null;
    }

    private static uint LowestFreeId(ref HypercallContext context)
    {
        for (uint id = 1; ; id++)
            if (context.Cells.Find(id) == null)
                return id;
    }

    private static bool NameTaken(ref HypercallContext context, byte* name)
    {
        if (SameName(name, context.Config.RootCellName))
            return true;
        for (uint i = 0; i < context.Cells.Capacity; i++)
            if (context.Cells.Slots[i].InUse && SameName(name, context.Cells.Slots[i].Desc.Name))
                return true;
        return false;
    }

    private static bool SameName(byte* a, byte* b)
    {
        for (int i = 0; i < SystemConfig.CellNameSize; i++)
        {
            if (a[i] != b[i])
                return false;
            if (a[i] == 0)
                return true;
        }
        return true;
    }

    /// <summary>
    /// Takes the cell's private memory (or only its loadable regions) out of the root cell's
    /// tables, or puts it back with the root cell's own flags: for each root region that covers
    /// part of a cell region, that part at the root cell's guest address. The caller flushes.
    /// </summary>
    private static int MoveMemory(ref HypercallContext context, CellDesc cell, bool toRoot, bool loadableOnly)
    {
        CellDesc root = context.Config.RootDesc;
        int failure = 0;
        for (uint n = 0; n < cell.MemoryRegionCount; n++)
        {
            MemoryRegion region = cell.MemoryRegion(n);
            // A sub-page region is never in the cell's tables (the hypervisor performs its
            // accesses); the root cell keeps the page around it.
            if (!CellConfigCheck.IsCellPrivate(region) || MmioSubpage.IsSubpage(region))
                continue;
            if (loadableOnly && (region.Flags & MemoryRegion.Loadable) == 0)
                continue;
            for (uint r = 0; r < root.MemoryRegionCount; r++)
            {
                MemoryRegion rootRegion = root.MemoryRegion(r);
                if (rootRegion.Size == 0 || (rootRegion.Flags & MemoryRegion.CommRegion) != 0 || MmioSubpage.IsSubpage(rootRegion))
                    continue;
                ulong start = region.Phys > rootRegion.Phys ? region.Phys : rootRegion.Phys;
                ulong regionEnd = region.Phys + region.Size, rootEnd = rootRegion.Phys + rootRegion.Size;
                ulong end = regionEnd < rootEnd ? regionEnd : rootEnd;
                if (start >= end)
                    continue;
                ulong virt = rootRegion.Virt + (start - rootRegion.Phys);
                int result = PageTable.Unmap(context.RootStage2, ref *context.Pool, context.Stage2Format, virt, end - start);
                if (result == 0 && toRoot)
                    result = PageTable.Map(context.RootStage2, ref *context.Pool, context.Stage2Format, virt, start, end - start,
                        context.Stage2Flags(rootRegion.Flags));
                if (result != 0 && failure == 0)
                    failure = result;
            }
        }
        return failure;
    }

    /// <summary>
    /// Upstream's management prologue: the caller is the root cell (-EPERM), the cell exists
    /// (-ENOENT) and is not the root cell (-EINVAL), for a destroy no other cell holds the
    /// configuration locked (-EPERM), the cell agrees to shut down (-EPERM), and its CPUs stop in
    /// the hypervisor (-EBUSY when one does not within the architecture's wait).
    /// </summary>
    private static long Prologue(ref HypercallContext context, uint callerCpu, ulong id, bool destroy, out Cell* cell)
    {
        cell = null;
        if (!CallerIsRoot(ref context, callerCpu))
            return Errno.EPERM;
        if (id == 0)
            return Errno.EINVAL;
        cell = context.Cells.Find(id);
        if (cell == null)
            return Errno.ENOENT;
        if (destroy && !ReconfigurationAllowed(ref context, cell))
            return Errno.EPERM;
        if (!ExchangeMessage(ref context, cell, CommRegion.MsgShutdownRequest, request: true))
            return Errno.EPERM;
        return context.Ops.ParkCpus(cell);
    }

    /// <summary>
    /// Upstream's cell_reconfig_ok: a cell whose comm region says running/locked (a safety-critical
    /// phase it declared itself) forbids creating or destroying cells; <paramref name="excluded"/>
    /// (the cell being destroyed) does not count.
    /// </summary>
    private static bool ReconfigurationAllowed(ref HypercallContext context, Cell* excluded)
    {
        for (uint i = 0; i < context.Cells.Capacity; i++)
        {
            Cell* other = context.Cells.Slots + i;
            if (!other->InUse || other == excluded)
                continue;
            if (Arch.LoadAcquire(ref *(uint*)(other->CommPage + CommRegion.CellStateField)) == CommRegion.CellRunningLocked)
                return false;
        }
        return true;
    }

    /// <summary>After a create or destroy every non-root cell is told (upstream's
    /// cell_reconfig_completed); the answers do not matter.</summary>
    private static void ReconfigurationCompleted(ref HypercallContext context)
    {
        for (uint i = 0; i < context.Cells.Capacity; i++)
            if (context.Cells.Slots[i].InUse)
                ExchangeMessage(ref context, context.Cells.Slots + i, CommRegion.MsgReconfigCompleted, request: false);
    }

    /// <summary>
    /// Upstream's cell_exchange_message: a passive-commreg cell, or one shut down or failed,
    /// agrees at once; otherwise <paramref name="code"/> goes to its comm region and the answer
    /// decides (a <paramref name="request"/> needs "approved", information needs "received"; any
    /// other answer is a refusal). With msg_reply_timeout set, no answer within that many polls
    /// marks the cell failed, which then counts as agreement (as upstream).
    /// </summary>
    private static bool ExchangeMessage(ref HypercallContext context, Cell* cell, uint code, bool request)
    {
        CellDesc desc = cell->Desc;
        if ((desc.Flags & CellConfigCheck.CellPassiveCommRegion) != 0)
            return true;
        byte* comm = cell->CommPage;
        ref uint reply = ref *(uint*)(comm + CommRegion.ReplyFromCellField);
        ref uint message = ref *(uint*)(comm + CommRegion.MsgToCellField);
        Arch.StoreRelease(ref reply, CommRegion.MsgNone);
        Arch.StoreRelease(ref message, code);
        ulong timeout = desc.MsgReplyTimeout;
        while (true)
        {
            uint state = Arch.LoadAcquire(ref *(uint*)(comm + CommRegion.CellStateField));
            if (state == CommRegion.CellShutDown || state == CommRegion.CellFailed)
                return true;
            uint answer = Arch.LoadAcquire(ref reply);
            if (answer == (request ? CommRegion.ReplyRequestApproved : CommRegion.ReplyReceived))
                return true;
            if (answer != CommRegion.MsgNone)
                return false;
            if (desc.MsgReplyTimeout > 0 && --timeout == 0)
            {
                Say(ref context, "Timeout expired while waiting for reply from target cell\n");
                if (context.Ops.ParkCpus(cell) == 0)
                    cell->CommState = CommRegion.CellFailed;
                return true;
            }
        }
    }

    public static long SetLoadable(ref HypercallContext context, uint callerCpu, ulong id)
    {
        long result = Prologue(ref context, callerCpu, id, destroy: false, out Cell* cell);
        if (result != 0)
            return result;
        if (cell->Loadable != 0)
            return 0;
        cell->CommState = CommRegion.CellShutDown;
        cell->Loadable = 1;
        result = MoveMemory(ref context, cell->Desc, toRoot: true, loadableOnly: true);
        context.Ops.FlushRootTlb();
        if (result == 0)
            Report(ref context, "Cell \"", cell->Desc.Name, "\" can be loaded\n");
        return result;
    }

    public static long Start(ref HypercallContext context, uint callerCpu, ulong id)
    {
        long result = Prologue(ref context, callerCpu, id, destroy: false, out Cell* cell);
        if (result != 0)
            return result;
        if (cell->Loadable != 0)
        {
            result = MoveMemory(ref context, cell->Desc, toRoot: false, loadableOnly: true);
            context.Ops.FlushRootTlb();
            if (result != 0)
                return result;
            cell->Loadable = 0;
        }
        // A clean comm region: state running (0), no message.
        context.Ops.FillCommRegion(cell->CommPage, context.Config, cell->Desc);
        // Said before the CPUs run: the cell may print on the same UART at once.
        Report(ref context, "Started cell \"", cell->Desc.Name, "\"\n");
        for (uint cpu = 0; cpu < context.MaxCpus; cpu++)
            if (context.Cpu(cpu)->OwnerCell == cell)
                context.Ops.StartCpu(cell, cpu);
        return 0;
    }

    public static long Destroy(ref HypercallContext context, uint callerCpu, ulong id)
    {
        long result = Prologue(ref context, callerCpu, id, destroy: true, out Cell* cell);
        if (result != 0)
            return result;
        Report(ref context, "Closing cell \"", cell->Desc.Name, "\"\n");
        // Everything private comes back, loadable regions included (MoveMemory unmaps first).
        result = MoveMemory(ref context, cell->Desc, toRoot: true, loadableOnly: false);
        context.Ops.FlushRootTlb();
        Release(ref context, cell);
        context.Cells.Count--;
        ReconfigurationCompleted(ref context);
        return result;
    }

    /// <summary>Upstream's cell_get_state: the comm region's state, -EINVAL for one the cell wrote
    /// that is none, -ENOENT for no such cell; the root cell (0) is running.</summary>
    public static long GetState(ref HypercallContext context, uint callerCpu, ulong id)
    {
        if (!CallerIsRoot(ref context, callerCpu))
            return Errno.EPERM;
        if (id == 0)
            return CommRegion.CellRunning;
        Cell* cell = context.Cells.Slots == null ? null : context.Cells.Find(id);
        if (cell == null)
            return Errno.ENOENT;
        uint state = Arch.LoadAcquire(ref *(uint*)(cell->CommPage + CommRegion.CellStateField));
        return state <= CommRegion.CellFailedCommRevision ? state : Errno.EINVAL;
    }

    /// <summary>A CPU of a non-root cell stopped on an error: the cell is failed (the root cell may destroy it).</summary>
    public static void CellFailed(PerCpu* cpu)
    {
        Cell* cell = cpu->OwnerCell;
        if (cell != null)
            Arch.StoreRelease(ref *(uint*)(cell->CommPage + CommRegion.CellStateField), CommRegion.CellFailed);
    }
}
