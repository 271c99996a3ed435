using Jailhouse.Config;

namespace Jailhouse.Generate.Snapshot;

/// <summary>
/// Reads the files `config create` and `diagnose` need from a running machine (or from a copy of its
/// /proc and /sys below another root directory) into a <see cref="SystemSnapshot"/>.
/// Only these files are taken, so a snapshot stays small and holds nothing else of the machine.
/// </summary>
public static class SnapshotCollector
{
    /// <summary>Files without which no configuration can be generated.</summary>
    private static readonly string[] Required = ["proc/iomem", "proc/ioports", "proc/cpuinfo", "proc/cmdline"];

    private static readonly string[] Optional =
    [
        "sys/firmware/acpi/tables/APIC", "sys/firmware/acpi/tables/MCFG",
        "sys/firmware/acpi/tables/DMAR", "sys/firmware/acpi/tables/IVRS",
        "sys/devices/system/cpu/online", "sys/devices/system/cpu/possible", "sys/devices/system/cpu/present",
        "sys/class/dmi/id/sys_vendor", "sys/class/dmi/id/product_name",
        "sys/devices/jailhouse/enabled",
    ];

    /// <summary>Files read from every PCI device's sysfs directory.</summary>
    private static readonly string[] PciDeviceFiles =
        ["config", "resource", "class", "vendor", "device", "subsystem_vendor", "subsystem_device", "irq"];

    private static readonly string[] CpuTopologyFiles = ["physical_package_id", "core_id"];

    private static readonly string[] UartFiles = ["io_type", "port", "iomem_base", "iomem_reg_shift"];

    /// <summary>
    /// Collects from <paramref name="root"/> ("/" on the target). Missing optional files are skipped;
    /// <paramref name="warnings"/> says what is likely wrong (not root, no ACPI tables).
    /// </summary>
    public static SystemSnapshot Collect(string root, out List<string> warnings)
    {
        warnings = [];
        if (!Directory.Exists(root))
            throw new InputException(new SourceLocation(root, 0, 0), "expected a directory holding proc/ and sys/");
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);

        foreach (string path in Required)
        {
            byte[]? contents = TryRead(root, path);
            if (contents is null)
                throw new InputException(new SourceLocation(Path.Combine(root, path), 0, 0), "cannot read this file; is /proc mounted?");
            files[path] = contents;
        }
        foreach (string path in Optional)
            Add(files, root, path);

        foreach (string device in Subdirectories(root, "sys/bus/pci/devices"))
            foreach (string file in PciDeviceFiles)
                Add(files, root, $"sys/bus/pci/devices/{device}/{file}");

        foreach (string cpu in Subdirectories(root, "sys/devices/system/cpu"))
            if (cpu.Length > 3 && cpu.StartsWith("cpu", StringComparison.Ordinal) && cpu[3..].All(char.IsAsciiDigit))
                foreach (string file in CpuTopologyFiles)
                    Add(files, root, $"sys/devices/system/cpu/{cpu}/topology/{file}");

        foreach (string tty in Subdirectories(root, "sys/class/tty"))
            if (tty.StartsWith("ttyS", StringComparison.Ordinal))
                foreach (string file in UartFiles)
                    Add(files, root, $"sys/class/tty/{tty}/{file}");

        if (!files.ContainsKey("sys/firmware/acpi/tables/APIC"))
            warnings.Add("no ACPI MADT (/sys/firmware/acpi/tables/APIC): IOAPICs will be missing; run as root on an ACPI machine");
        if (!files.ContainsKey("sys/firmware/acpi/tables/MCFG"))
            warnings.Add("no ACPI MCFG (/sys/firmware/acpi/tables/MCFG): the PCI MMCONFIG area is unknown");
        if (LooksCensored(files["proc/iomem"]))
            warnings.Add("/proc/iomem shows only zero addresses: run `jailhouse config collect` as root");
        if (files.Keys.Any(k => k.EndsWith("/config", StringComparison.Ordinal) && files[k].Length <= 64))
            warnings.Add("PCI config spaces are cut at 64 bytes: run as root to read the capabilities");
        return new SystemSnapshot(root, files);
    }

    private static void Add(Dictionary<string, byte[]> files, string root, string path)
    {
        if (TryRead(root, path) is { } contents)
            files[path] = contents;
    }

    private static byte[]? TryRead(string root, string path)
    {
        string full = Path.Combine(root, path);
        try
        {
            // procfs and sysfs report sizes that are 0 or a page: read until the end instead.
            using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
            using var contents = new MemoryStream();
            stream.CopyTo(contents);
            return contents.ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static IEnumerable<string> Subdirectories(string root, string path)
    {
        string full = Path.Combine(root, path);
        if (!Directory.Exists(full))
            return [];
        // Entries in /sys/bus/pci/devices are symbolic links to directories.
        return Directory.EnumerateFileSystemEntries(full)
            .Where(Directory.Exists)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static bool LooksCensored(byte[] iomem)
    {
        string text = System.Text.Encoding.ASCII.GetString(iomem);
        return text.Length > 0 && text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .All(line => line.TrimStart().StartsWith("00000000-00000000", StringComparison.Ordinal));
    }
}
