using Jailhouse.DeviceTree;
using Jailhouse.Generate.Snapshot;

namespace Jailhouse.Fuzz;

/// <summary>
/// The golden inputs mutations start from: upstream's binary cells (shared/reference), our YAML
/// configurations and board files, the snapshot fixtures as tars, device trees built here (so no
/// image is needed) and console logs with every kind of FATAL line `diagnose` knows.
/// </summary>
public sealed class Seeds
{
    public List<(string Name, byte[] Bytes)> Cells { get; } = [];
    public List<(string Name, string Text)> Yaml { get; } = [];
    public List<(string Name, string Text)> Boards { get; } = [];
    public List<(string Name, byte[] Bytes)> DeviceTrees { get; } = [];
    public List<(string Name, byte[] Bytes)> Snapshots { get; } = [];
    public List<(string Name, string Text)> Logs { get; } = [];

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Jailhouse.sln")))
                return dir.FullName;
        throw new InvalidOperationException("Jailhouse.sln not found above " + AppContext.BaseDirectory);
    }

    private static IEnumerable<string> Sorted(string directory, string pattern) =>
        Directory.Exists(directory) ? Directory.EnumerateFiles(directory, pattern, SearchOption.AllDirectories).Order(StringComparer.Ordinal) : [];

    public static Seeds Load(string root)
    {
        var seeds = new Seeds();
        string reference = Path.GetFullPath(Path.Combine(root, "..", "shared", "reference", "jailhouse-cells"));
        foreach (string file in Sorted(reference, "*.cell"))
            seeds.Cells.Add((Path.GetFileName(file), File.ReadAllBytes(file)));
        foreach (string file in Sorted(Path.Combine(root, "configs"), "*.yaml"))
            seeds.Yaml.Add((Path.GetFileName(file), File.ReadAllText(file)));
        foreach (string file in Sorted(Path.Combine(root, "bsp"), "board.yaml"))
            seeds.Boards.Add((Path.GetFileName(Path.GetDirectoryName(file)!) + "-board.yaml", File.ReadAllText(file)));
        string fixtures = Path.Combine(root, "tests", "Jailhouse.Tests", "fixtures", "snapshots");
        if (Directory.Exists(fixtures))
            foreach (string machine in Directory.EnumerateDirectories(fixtures).Order(StringComparer.Ordinal))
            {
                var files = Sorted(machine, "*").ToDictionary(f => Path.GetRelativePath(machine, f).Replace('\\', '/'), File.ReadAllBytes);
                seeds.Snapshots.Add((Path.GetFileName(machine) + ".tar", new SystemSnapshot(machine, files).ToTar()));
            }
        seeds.DeviceTrees.Add(("virt-gicv3.dtb", FdtWriter.Write(VirtTree(3))));
        seeds.DeviceTrees.Add(("virt-gicv2.dtb", FdtWriter.Write(VirtTree(2))));
        seeds.Logs.Add(("x86.log", string.Join('\n', X86Fatal)));
        seeds.Logs.Add(("arm.log", string.Join('\n', ArmFatal)));
        if (seeds.Cells.Count == 0 || seeds.Yaml.Count == 0 || seeds.Boards.Count == 0 || seeds.Snapshots.Count == 0)
            throw new InvalidOperationException($"seed files missing under {root} or {reference}");
        return seeds;
    }

    private static readonly string[] X86Fatal =
    [
        "Initializing Jailhouse hypervisor v0.12 on CPU 1",
        "FATAL: Invalid MMIO/RAM read, addr: 0x798ab018",
        "FATAL: Invalid PIO write, port: 70 size: 1",
        "FATAL: Invalid PCI config write, port: cfc, size 2, address port: 800601a8",
        "FATAL: Invalid PCI config write, device 06:00.1, reg: 0xa8, size: 2",
        "FATAL: Invalid MMIO/RAM write, addr: 0x00000000fed40000 size: 4",
        "FATAL: Invalid MMCONFIG write, addr: 0x00000000e0008010 size: 4",
        "RIP: 0xffffffff8108a5c4 RSP: 0xffffc900000d3e50 FLAGS: 246",
        "Parking CPU 2 (Cell: \"RootCell\")",
    ];

    private static readonly string[] ArmFatal =
    [
        "Unhandled data write at 0x9010000(4)",
        "FATAL: unhandled trap (exception class 0x24)",
        "pc=0x0000000000001234 es=0x93c08006 far=0x0000000009010000",
        "Cell \"inmate-demo\" can be loaded",
    ];

    /// <summary>A QEMU-virt-like tree: CPUs, RAM, a GIC of the given version, a PL011 console, reserved memory, a bus with ranges.</summary>
    public static Fdt VirtTree(int gicVersion)
    {
        var fdt = new Fdt();
        var root = fdt.Root;
        root.SetCells("#address-cells", 2);
        root.SetCells("#size-cells", 2);
        root.SetString("model", $"fuzz-virt-gicv{gicVersion}");
        root.SetString("compatible", "linux,dummy-virt");
        root.SetCells("interrupt-parent", 1);
        var cpus = root.AddChild("cpus");
        cpus.SetCells("#address-cells", 1);
        cpus.SetCells("#size-cells", 0);
        for (uint i = 0; i < 4; i++)
        {
            var cpu = cpus.AddChild($"cpu@{i}");
            cpu.SetString("device_type", "cpu");
            cpu.SetString("compatible", gicVersion == 2 ? "arm,cortex-a15" : "arm,cortex-a57");
            cpu.SetCells("reg", i);
            cpu.SetString("enable-method", "psci");
        }
        var memory = root.AddChild("memory@40000000");
        memory.SetString("device_type", "memory");
        memory.SetCells("reg", 0, 0x40000000, 0, 0x40000000);
        var gic = root.AddChild(gicVersion == 3 ? "intc@8000000" : "interrupt-controller@8000000");
        gic.SetString("compatible", gicVersion == 3 ? "arm,gic-v3" : "arm,cortex-a15-gic");
        gic.Set("interrupt-controller", []);
        gic.SetCells("#interrupt-cells", 3);
        gic.SetCells("reg", gicVersion == 3
            ? [0, 0x08000000, 0, 0x10000, 0, 0x080a0000, 0, 0xf60000]
            : [0, 0x08000000, 0, 0x10000, 0, 0x08010000, 0, 0x10000, 0, 0x08030000, 0, 0x10000, 0, 0x08040000, 0, 0x10000]);
        gic.SetCells("interrupts", 1, 9, 4);
        gic.SetCells("phandle", 1);
        var uart = root.AddChild("pl011@9000000");
        uart.SetString("compatible", "arm,pl011");
        uart.SetCells("reg", 0, 0x09000000, 0, 0x1000);
        uart.SetCells("interrupts", 0, 1, 4);
        var second = root.AddChild("pl011@9010000");
        second.SetString("compatible", "arm,pl011");
        second.SetCells("reg", 0, 0x09010000, 0, 0x1000);
        var reserved = root.AddChild("reserved-memory");
        reserved.SetCells("#address-cells", 2);
        reserved.SetCells("#size-cells", 2);
        reserved.Set("ranges", []);
        var ramoops = reserved.AddChild("ramoops@7e000000");
        ramoops.SetString("compatible", "ramoops");
        ramoops.SetCells("reg", 0, 0x7e000000, 0, 0x100000);
        var soc = root.AddChild("soc");
        soc.SetString("compatible", "simple-bus");
        soc.SetCells("#address-cells", 1);
        soc.SetCells("#size-cells", 1);
        soc.SetCells("ranges", 0, 0, 0x0a000000, 0x100000);
        var mmio = soc.AddChild("virtio_mmio@200");
        mmio.SetString("compatible", "virtio,mmio");
        mmio.SetCells("reg", 0x200, 0x200);
        var aliases = root.AddChild("aliases");
        aliases.SetString("serial0", "/pl011@9000000");
        var chosen = root.AddChild("chosen");
        chosen.SetString("stdout-path", "serial0:115200n8");
        chosen.SetString("bootargs", "console=ttyAMA0");
        fdt.MemoryReservations.Add((0x48000000, 0x100000));
        return fdt;
    }
}
