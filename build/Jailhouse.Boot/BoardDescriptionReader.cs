using Jailhouse.Config;
using Jailhouse.Config.Yaml;
using YamlDotNet.RepresentationModel;

namespace Jailhouse.Boot;

/// <summary>Reads bsp/&lt;board&gt;/board.yaml with file:line:column errors.</summary>
public static class BoardDescriptionReader
{
    public static BoardDescription ReadFile(string path) => Read(File.ReadAllText(path), path);

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
        f.Done();
        return board;
    }

    private static string KernelArgument(YamlNodes nodes, YamlNode node)
    {
        string argument = nodes.Scalar(node, "a kernel argument");
        if (argument.Length == 0 || argument.Any(c => c is ' ' or '\t' or '\n' or '"'))
            throw nodes.Error(node, $"kernel argument \"{argument}\": expected one word without blanks or double quotes (one list entry per argument)");
        return argument;
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
