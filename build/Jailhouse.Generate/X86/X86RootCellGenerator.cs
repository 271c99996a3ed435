using System.Globalization;
using Jailhouse.Config;
using Jailhouse.Config.Model;
using Jailhouse.Config.Text;
using Jailhouse.Generate.Snapshot;

namespace Jailhouse.Generate.X86;

public sealed record X86GeneratorOptions
{
    public ulong HypervisorSize { get; init; } = 6UL << 20;
    public ulong InmateSize { get; init; } = 59UL << 20;
    /// <summary>The UART the hypervisor prints to ("ttyS0"), or "none".</summary>
    public string Console { get; init; } = "ttyS0";
}

/// <summary>The generated system configuration and what the user should know about it.</summary>
public sealed record GeneratedConfig(JailhouseConfig Config, MemmapReservation Reservation, IReadOnlyList<string> Warnings);

/// <summary>
/// Builds an x86 system configuration (hypervisor memory, debug console, platform, root cell)
/// from a snapshot of the target's /proc and /sys, as Jailhouse's jailhouse-config-create does.
/// </summary>
public static class X86RootCellGenerator
{
    /// <summary>Interrupt sources every IOAPIC may contribute; the VT-d interrupt remapping table is sized from them plus MSI(-X) vectors.</summary>
    private const int IoApicMaxPins = 120;

    public static GeneratedConfig Generate(SystemSnapshot snapshot, X86GeneratorOptions options)
    {
        var warnings = new List<string>();
        if (snapshot.TryReadText("sys/devices/jailhouse/enabled")?.Trim() == "1")
            throw new InputException(snapshot.At("sys/devices/jailhouse/enabled"),
                "Jailhouse was enabled when the snapshot was taken; the root cell then sees only its own resources. Disable it and collect again");

        var iomem = ResourceTree.Parse(snapshot.ReadText("proc/iomem", "the memory map"), snapshot.At("proc/iomem"));
        var ioports = ResourceTree.Parse(snapshot.ReadText("proc/ioports", "the I/O port map"), snapshot.At("proc/ioports"));
        var functions = PciFunction.ReadAll(snapshot);
        foreach (var f in functions)
            warnings.AddRange(f.Notes);
        functions = [.. functions.Where(f => f.VendorId != 0xffff)];

        var mmconfig = ReadMmconfig(snapshot, warnings);
        var ioapics = AcpiTable.TryRead(snapshot, "APIC") is { } madt ? Madt.IoApics(madt) : [];
        if (ioapics.Count == 0)
            warnings.Add("no IOAPIC in the snapshot (ACPI MADT missing or empty): the root cell gets no irqchip");

        var iommu = ReadIommus(snapshot, functions, iomem, warnings);
        functions = [.. functions.Where(f => !iommu.HiddenFunctions.Contains(f.Bdf))];

        var reservation = ChooseReservation(snapshot, iomem, options, warnings);
        var console = ReadConsole(snapshot, options.Console, warnings);

        var system = new SystemConfig
        {
            Flags = SystemFlags.VirtualDebugConsole,
            HypervisorMemory = new MemoryRegion { PhysStart = reservation.Start, Size = options.HypervisorSize },
            DebugConsole = console,
            Platform = new PlatformInfo
            {
                PciMmconfigBase = mmconfig?.Base ?? 0,
                PciMmconfigEndBus = mmconfig?.EndBus ?? 0,
                PciDomain = mmconfig?.Segment ?? 0,
                IommuUnits = iommu.Units,
                X86 = new X86Platform { VtdInterruptLimit = VtdInterruptLimit(functions, ioapics.Count) },
            },
        };
        if (RootPioRanges.PmTimer(ioports) is { } pmTimer)
            system.Platform.X86.PmTimerAddress = pmTimer;
        else
            warnings.Add("no \"ACPI PM_TMR\" in /proc/ioports: pm-timer-address is 0, so set tsc-khz and apic-khz under platform.x86 by hand");

        var cell = new CellConfig { Name = CellName(snapshot) };
        foreach (int cpu in ReadCpus(snapshot))
            cell.Cpus.Add(cpu);
        cell.CpuSetSize = CellConfig.MinimumCpuSetSize(cell.Cpus);

        var ranges = RootMemoryRegions.FromIomem(iomem, functions, mmconfig);
        // RMRR/IVMD ranges are often already mapped (as RAM or a named leaf); list only the others.
        ranges.AddRange(iommu.ExtraMemory.Where(extra => !ranges.Any(r => r.Start <= extra.Start && r.End >= extra.End)));
        // Normally /proc/iomem already shows the reservation as a hole; if the kernel ignored it, the
        // config must still keep Linux out (and the warning above says the boot is wrong).
        ranges = RootMemoryRegions.Without(ranges, reservation.Start, reservation.End);
        ranges.Add(new MemoryRange(reservation.Start + options.HypervisorSize,
            reservation.Start + options.HypervisorSize + options.InmateSize - 1, "inmates", true));
        cell.MemoryRegions.AddRange(NamedRegions(ranges));

        foreach (var ioapic in ioapics)
        {
            var (bdf, unit) = iommu.IoApics.TryGetValue(ioapic.Id, out var known) ? known : ((ushort)0, (byte)0);
            if (iommu.Units.Count > 0 && !iommu.IoApics.ContainsKey(ioapic.Id))
                warnings.Add($"IOAPIC {ioapic.Id} at 0x{ioapic.Address:x} is not in the IOMMU table's device scopes; its id is 0");
            // All 128 pins: the hypervisor only hands out pins the chip has.
            cell.Irqchips.Add(new Irqchip
            {
                Address = ioapic.Address,
                Id = (uint)unit << 16 | bdf,
                PinBase = 0,
                PinBitmap = [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
            });
        }

        ushort consolePort = console.Type == ConsoleType.Uart8250 && (console.Flags & ConsoleFlags.Mmio) == 0 ? (ushort)console.Address : (ushort)0;
        cell.PioRanges.AddRange(RootPioRanges.FromIoports(ioports, consolePort));

        AddPciDevices(cell, functions, iommu);
        return new GeneratedConfig(new JailhouseConfig { Architecture = Architecture.X86, System = system, Cell = cell }, reservation, warnings);
    }

    /// <summary>The MMCONFIG area, or null on a machine without one (a PCI host bridge with
    /// configuration mechanism #1 only, such as Bochs' i440FX): our hypervisor then filters
    /// PCI configuration space through ports 0xcf8/0xcfc alone.</summary>
    private static MmconfigArea? ReadMmconfig(SystemSnapshot snapshot, List<string> warnings)
    {
        var table = AcpiTable.TryRead(snapshot, "MCFG");
        if (table is null)
        {
            warnings.Add("the snapshot has no ACPI MCFG table: no PCI MMCONFIG (mmconfig-base 0), PCI configuration space only through ports 0xcf8/0xcfc; upstream's hypervisor needs MMCONFIG");
            return null;
        }
        var areas = Mcfg.Parse(table);
        if (areas.Count == 0)
            throw table.Error(44, "expected an MMCONFIG allocation entry, found none");
        if (areas.Count > 1)
            throw table.Error(44 + 16, $"the machine has {areas.Count} MMCONFIG areas (PCI segments); Jailhouse supports one");
        if (areas[0].StartBus != 0)
            throw table.Error(44 + 10, $"the MMCONFIG area starts at bus {areas[0].StartBus}; Jailhouse expects bus 0");
        return areas[0];
    }

    private static IommuAssignment ReadIommus(SystemSnapshot snapshot, List<PciFunction> functions, ResourceTree iomem, List<string> warnings)
    {
        string vendor = CpuVendor(snapshot);
        IommuAssignment? result = null;
        var dmar = AcpiTable.TryRead(snapshot, "DMAR");
        var ivrs = AcpiTable.TryRead(snapshot, "IVRS");
        // The table the firmware provides decides; the CPU vendor only breaks a tie (an emulated
        // CPU may claim either vendor: QEMU's default model says AuthenticAMD on a VT-d machine).
        if (dmar is not null && (ivrs is null || vendor != "AuthenticAMD"))
            result = IommuAssignment.FromDmar(dmar, functions, iomem);
        else if (ivrs is not null)
            result = IommuAssignment.FromIvrs(ivrs, functions);
        if (result is null)
        {
            warnings.Add($"no {(vendor == "AuthenticAMD" ? "IVRS" : "DMAR")} table: the machine has no IOMMU Jailhouse can use, so cells cannot be isolated from DMA");
            return new IommuAssignment();
        }
        warnings.AddRange(result.Warnings);
        return result;
    }

    private static string CpuVendor(SystemSnapshot snapshot)
    {
        foreach (string line in snapshot.ReadText("proc/cpuinfo", "the CPU vendor").Split('\n'))
            if (line.Split(':', 2) is [var key, var value] && key.Trim() == "vendor_id")
                return value.Trim();
        return "";
    }

    private static MemmapReservation ChooseReservation(SystemSnapshot snapshot, ResourceTree iomem, X86GeneratorOptions options, List<string> warnings)
    {
        ulong total = options.HypervisorSize + options.InmateSize;
        string cmdline = snapshot.ReadText("proc/cmdline", "the memmap= reservation");
        var reservations = KernelCommandLine.Reservations(cmdline);
        if (reservations.Count == 0)
        {
            // GRUB expands an unescaped "$0" in grub.cfg to nothing: memmap=82M$0x3a000000 arrives as memmap=82Mx3a000000.
            if (cmdline.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(a => a.StartsWith("memmap=", StringComparison.Ordinal)
                    && a.Contains("x", StringComparison.Ordinal) && !a.Contains('$', StringComparison.Ordinal) && !a.Contains('@', StringComparison.Ordinal)
                    && !a.Contains('#', StringComparison.Ordinal) && !a.Contains('!', StringComparison.Ordinal)) is { } mangled)
                throw new InputException(snapshot.At("proc/cmdline", 1, cmdline.IndexOf(mangled, StringComparison.Ordinal) + 1),
                    $"\"{mangled}\" lost its \"$0\": GRUB expanded it. Write memmap=SIZE\\$START in grub.cfg (see `jailhouse boot cmdline --for grub-cfg`)");
            string hint = SuggestReservation(iomem, total) is { } start
                ? $"add {KernelCommandLine.Format(start, total)} to the kernel command line (in grub.cfg write the $ as \\$), reboot and collect again"
                : $"no System RAM range can hold {NumberSyntax.Size(total)}; reserve that much with memmap=SIZE$START";
            throw new InputException(snapshot.At("proc/cmdline", 1, 1),
                $"expected a memmap=SIZE$START reservation for the hypervisor ({NumberSyntax.Size(options.HypervisorSize)}) and the inmates ({NumberSyntax.Size(options.InmateSize)}), found none: {hint}");
        }
        if (reservations.Count > 1)
            warnings.Add($"several memmap= reservations on the command line; using the first, {reservations[0].Argument}");
        var reservation = reservations[0];
        if (total > reservation.Size)
            throw new InputException(snapshot.At("proc/cmdline", 1, cmdline.IndexOf(reservation.Argument, StringComparison.Ordinal) + 1),
                $"{reservation.Argument} reserves {NumberSyntax.Size(reservation.Size)}, but the hypervisor and inmates need {NumberSyntax.Size(total)}: use {KernelCommandLine.Format(reservation.Start, total)} (or pass smaller --mem-hv/--mem-inmates)");
        if ((reservation.Start & 0xfff) != 0)
            throw new InputException(snapshot.At("proc/cmdline", 1, 1), $"{reservation.Argument} does not start on a page boundary");
        if (iomem.Roots.Any(n => n.Name == "System RAM" && n.Start < reservation.End && n.End >= reservation.Start))
            warnings.Add($"/proc/iomem shows System RAM inside {reservation.Argument}: the kernel did not honour the reservation");
        return reservation;
    }

    /// <summary>Where to reserve <paramref name="total"/> bytes: 0x3a000000 as Jailhouse's examples use, else the top of the highest RAM range below 4 GiB.</summary>
    public static ulong? SuggestReservation(ResourceTree iomem, ulong total)
    {
        const ulong Preferred = 0x3a000000;
        const ulong Alignment = 2 << 20;
        var ram = iomem.Roots.Where(n => n.Name == "System RAM").ToList();
        if (ram.Any(n => n.Start <= Preferred && n.End + 1 >= Preferred + total))
            return Preferred;
        foreach (var range in ram.Where(n => n.End < 1UL << 32).Reverse().Concat(ram.Where(n => n.End >= 1UL << 32)))
        {
            if (range.Size < total)
                continue;
            ulong start = (range.End + 1 - total) & ~(Alignment - 1);
            if (start >= range.Start)
                return start;
        }
        return null;
    }

    private static ConsoleConfig ReadConsole(SystemSnapshot snapshot, string name, List<string> warnings)
    {
        if (name == "none")
            return new ConsoleConfig();
        string dir = $"sys/class/tty/{name}";
        string? ioType = snapshot.TryReadText($"{dir}/io_type")?.Trim();
        if (ioType is null)
        {
            warnings.Add($"the snapshot has no /{dir}: the hypervisor gets no debug console (choose one with --console)");
            return new ConsoleConfig();
        }
        ulong Hex(string file) =>
            ulong.TryParse((snapshot.TryReadText($"{dir}/{file}") ?? "").Trim().Replace("0x", "", StringComparison.OrdinalIgnoreCase),
                NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong v) ? v : 0;
        switch (ioType)
        {
            case "0":   // UPIO_PORT
                return new ConsoleConfig { Type = ConsoleType.Uart8250, Address = Hex("port") };
            case "2" or "3":   // UPIO_MEM (8-bit registers), UPIO_MEM32
                ulong shift = Hex("iomem_reg_shift");
                if ((ioType == "2" && shift != 0) || (ioType == "3" && shift != 2))
                    break;
                return new ConsoleConfig
                {
                    Type = ConsoleType.Uart8250,
                    Address = Hex("iomem_base"),
                    Size = 0x1000,
                    Flags = ConsoleFlags.Mmio | (shift == 2 ? ConsoleFlags.RegDist4 : 0),
                };
        }
        warnings.Add($"{name}: unsupported UART access mode (io_type {ioType}); the hypervisor gets no debug console");
        return new ConsoleConfig();
    }

    private static string CellName(SystemSnapshot snapshot)
    {
        string product = (snapshot.TryReadText("sys/class/dmi/id/product_name") ?? "").Trim();
        if (product.Length == 0 || product.Any(c => c < ' ' || c > '~'))
            return "RootCell";
        return product.Length > CellConfig.NameMaxLength ? product[..CellConfig.NameMaxLength] : product;
    }

    private static IEnumerable<int> ReadCpus(SystemSnapshot snapshot)
    {
        foreach (string file in new[] { "sys/devices/system/cpu/present", "sys/devices/system/cpu/online", "sys/devices/system/cpu/possible" })
        {
            if (snapshot.TryReadText(file)?.Trim() is not { Length: > 0 } text)
                continue;
            if (!RangeListSyntax.TryParse(text, out var cpus, out string error))
                throw new InputException(snapshot.At(file, 1, 1), error);
            return cpus.Select(c => (int)c);
        }
        // Fall back to counting processors in /proc/cpuinfo.
        int count = snapshot.ReadText("proc/cpuinfo", "the CPUs").Split('\n').Count(l => l.StartsWith("processor", StringComparison.Ordinal));
        return Enumerable.Range(0, Math.Max(count, 1));
    }

    private static uint VtdInterruptLimit(IEnumerable<PciFunction> functions, int ioapics)
    {
        int sources = IoApicMaxPins * Math.Max(ioapics, 1) + functions.Sum(f => Math.Max(f.MsiVectors, f.MsixVectors));
        uint limit = 1;
        while (limit < sources)
            limit <<= 1;
        return limit;
    }

    private static IEnumerable<MemoryRegion> NamedRegions(IEnumerable<MemoryRange> ranges)
    {
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var range in ranges.OrderBy(r => r.Start))
        {
            string wanted = RootMemoryRegions.Slug(range.Owner);
            if (wanted.Length == 0)
                wanted = "region";
            string name = wanted;
            for (int n = 2; !taken.Add(name); n++)
                name = $"{wanted}-{n}";
            ulong start = range.Start & ~0xfffUL;
            yield return new MemoryRegion
            {
                Name = name,
                PhysStart = start,
                VirtStart = start,
                Size = range.PageEnd - start,
                Flags = RootMemoryRegions.Flags(range.IsRam),
            };
        }
    }

    private static void AddPciDevices(CellConfig cell, IReadOnlyList<PciFunction> functions, IommuAssignment iommu)
    {
        var shared = new List<(List<PciCapabilityEntry> Key, List<PciCapability> Caps)>();
        foreach (var function in functions)
        {
            var device = new PciDevice
            {
                Type = function.IsBridge ? PciDeviceType.Bridge : PciDeviceType.Device,
                Iommu = iommu.DeviceUnit.TryGetValue(function.Bdf, out byte unit) ? unit : (byte)0,
                Domain = function.Domain,
                Bdf = function.Bdf,
                BarMask = function.BarMasks(),
                NumMsiVectors = function.MsiVectors,
                Msi64Bits = function.Msi64Bits,
                MsiMaskable = function.MsiMaskable,
                NumMsixVectors = function.MsixVectors,
                MsixRegionSize = function.MsixRegionSize,
                MsixAddress = function.MsixAddress,
            };
            var key = function.Capabilities.ToList();
            if (key.Count > 0)
            {
                // Functions with identical capability layouts share one run of entries, as upstream's generator does.
                var existing = shared.FirstOrDefault(s => s.Key.SequenceEqual(key));
                if (existing.Caps is null)
                {
                    var caps = key.Select(c => new PciCapability
                    {
                        Id = c.Id,
                        Start = c.Start,
                        Length = c.Length,
                        Flags = c.Writable ? PciCapabilityFlags.Write : PciCapabilityFlags.None,
                    }).ToList();
                    cell.PciCapabilities.AddRange(caps);
                    existing = (key, caps);
                    shared.Add(existing);
                }
                device.Capabilities = existing.Caps;
            }
            cell.PciDevices.Add(device);
        }
    }
}
