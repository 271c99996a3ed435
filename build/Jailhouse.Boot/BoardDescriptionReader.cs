using Jailhouse.Config;
using Jailhouse.Config.Yaml;
using YamlDotNet.RepresentationModel;

namespace Jailhouse.Boot;

/// <summary>Reads bsp/&lt;board&gt;/board.yaml with file:line:column errors.</summary>
public static class BoardDescriptionReader
{
    public static BoardDescription ReadFile(string path) => Read(InputFiles.ReadText(path, InputLimit.BoardDescription), path);

    public static BoardDescription Read(string text, string file)
    {
        var nodes = new YamlNodes(file);
        var root = YamlNodes.ParseDocument(text, file);
        var f = nodes.Map(root, "the board description");
        var board = new BoardDescription
        {
            Name = nodes.Scalar(f.Required("name"), "name"),
            Origin = nodes.Where(root),
        };
        var archNode = f.Required("arch");
        board.DebianArch = nodes.Scalar(archNode, "arch") switch
        {
            "arm64" => "arm64",
            "x86" or "amd64" => "amd64",
            var other => throw nodes.Error(archNode, $"arch: expected arm64 or x86, found \"{other}\""),
        };
        if (f.Optional("kernel-cmdline") is { } cmdline)
            foreach (var item in nodes.List(cmdline, "kernel-cmdline"))
                board.KernelArguments.Add(KernelArgument(nodes, item));
        if (f.Optional("device-tree") is { } dtb)
            board.DeviceTree = nodes.Scalar(dtb, "device-tree");
        if (f.Optional("system-config") is { } system)
            board.SystemConfig = nodes.Scalar(system, "system-config");
        if (f.Optional("qemu") is { } qemu)
            board.Qemu = ReadQemu(nodes, qemu);
        if (f.Optional("bochs") is { } bochs)
            board.Bochs = ReadBochs(nodes, bochs);
        if (f.Optional("ram") is { } ram)
            foreach (var item in nodes.List(ram, "ram"))
                board.RamBanks.Add(Range(nodes, item, "a RAM bank"));
        if (f.Optional("firmware-reserved") is { } reserved)
            foreach (var item in nodes.List(reserved, "firmware-reserved"))
                board.FirmwareReserved.Add(Range(nodes, item, "a firmware-reserved range"));
        if (f.Optional("jailhouse") is { } jailhouse)
            board.Jailhouse = ReadJailhouse(nodes, jailhouse);
        if (f.Optional("uart") is { } uart)
        {
            var u = nodes.Map(uart, "uart");
            board.Uart = new UartDescription(
                Config.Text.Names.ConsoleType.FormatValue(nodes.Named(u.Required("type"), Config.Text.Names.ConsoleType, "uart type")),
                nodes.Number(u.Required("address"), "uart address"));
            u.Done();
        }
        if (board.Jailhouse is not null && board.RamBanks.Count == 0)
            throw nodes.Error(root, "\"jailhouse\" needs the board's \"ram\" banks to place the reservation");
        f.Done();
        return board;
    }

    private static (ulong Start, ulong Size) Range(YamlNodes nodes, YamlNode node, string what)
    {
        var f = nodes.Map(node, what);
        var range = (nodes.Number(f.Required("start"), $"{what} start"), nodes.Size(f.Required("size"), $"{what} size"));
        f.Done();
        if (range.Item2 == 0 || range.Item1 + range.Item2 < range.Item1)
            throw nodes.Error(node, $"{what}: expected a non-empty range inside the 64-bit address space");
        return range;
    }

    private static JailhouseMemory ReadJailhouse(YamlNodes nodes, YamlNode node)
    {
        var f = nodes.Map(node, "jailhouse");
        var memory = new JailhouseMemory
        {
            Hypervisor = nodes.Size(f.Required("hypervisor"), "hypervisor size"),
            Inmates = nodes.Size(f.Required("inmates"), "inmates size"),
            Origin = nodes.Where(node),
        };
        if (f.Optional("shmem") is { } shmem)
            memory.SharedMemory = nodes.Size(shmem, "shmem size");
        var method = f.Required("method");
        memory.Method = nodes.Scalar(method, "method") switch
        {
            "memmap" => ReservationMethod.Memmap,
            "mem" => ReservationMethod.Mem,
            "reserved-memory" => ReservationMethod.ReservedMemory,
            var other => throw nodes.Error(method, $"method: expected memmap, mem or reserved-memory, found \"{other}\""),
        };
        if (f.Optional("base") is { } baseNode)
            memory.Base = nodes.Number(baseNode, "reservation base");
        f.Done();
        return memory;
    }

    private static string KernelArgument(YamlNodes nodes, YamlNode node)
    {
        string argument = nodes.Scalar(node, "a kernel argument");
        if (argument.Length == 0 || argument.Any(c => c is ' ' or '\t' or '\n' or '"'))
            throw nodes.Error(node, $"kernel argument \"{argument}\": expected one word without blanks or double quotes (one list entry per argument)");
        return argument;
    }

    private static BochsMachine ReadBochs(YamlNodes nodes, YamlNode node)
    {
        var f = nodes.Map(node, "bochs");
        var bochs = new BochsMachine();
        if (f.Optional("cpu") is { } cpu)
            bochs.CpuModel = nodes.Scalar(cpu, "bochs cpu");
        if (f.Optional("cpus") is { } cpus)
            bochs.Cpus = (int)nodes.Number(cpus, "bochs cpus", 64);
        if (f.Optional("memory") is { } memory)
        {
            ulong size = nodes.Size(memory, "bochs memory");
            if (size == 0 || size % (1UL << 20) != 0)
                throw nodes.Error(memory, "bochs memory: expected a whole number of MiB, e.g. 1G");
            bochs.MemoryMegabytes = size >> 20;
        }
        if (f.Optional("ips") is { } ips)
            bochs.InstructionsPerSecond = nodes.Number(ips, "bochs ips");
        f.Done();
        if (bochs.Cpus == 0)
            throw nodes.Error(node, "bochs cpus: expected at least 1");
        return bochs;
    }

    private static QemuMachine ReadQemu(YamlNodes nodes, YamlNode node)
    {
        var f = nodes.Map(node, "qemu");
        var qemu = new QemuMachine
        {
            Binary = nodes.Scalar(f.Required("binary"), "qemu binary"),
            Firmware = nodes.Scalar(f.Required("firmware"), "qemu firmware"),
            Image = nodes.Scalar(f.Required("image"), "qemu image"),
        };
        foreach (var item in nodes.List(f.Required("args"), "qemu args"))
            qemu.Arguments.Add(nodes.Scalar(item, "a qemu argument"));
        if (f.Optional("drive-interface") is { } drive)
            qemu.DriveInterface = nodes.Scalar(drive, "drive-interface");
        f.Done();
        return qemu;
    }
}
