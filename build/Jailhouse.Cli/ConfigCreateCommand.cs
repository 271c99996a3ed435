using System.CommandLine;

namespace Jailhouse.Cli;

/// <summary>
/// `jailhouse config create`: a root cell (system) configuration generated from what the target
/// has, either a snapshot of an x86 machine (--snapshot) or an ARM board's device tree (--dtb).
/// The modes share the memory options and differ in their defaults.
/// </summary>
internal static class ConfigCreateCommand
{
    public static Command Create()
    {
        var snapshot = new Option<string?>("--snapshot") { Description = "x86: a tar from `jailhouse config collect` on the target." };
        var dtb = new Option<string?>("--dtb") { Description = "ARM/ARM64: the board's device tree blob." };
        var hypervisor = new Option<string?>("--mem-hv") { Description = "Hypervisor memory (x86 default 6M; required with --dtb, e.g. 64M)." };
        var inmates = new Option<string?>("--mem-inmates") { Description = "Memory for non-root cells (x86 default 59M; required with --dtb, e.g. 128M, 0 for none)." };
        var console = new Option<string>("--console") { Description = "x86: the UART the hypervisor prints to (ttyS0, ttyS1, ... or none).", DefaultValueFactory = _ => "ttyS0" };
        var arch = new Option<string?>("--arch") { Description = "--dtb: arm64 or arm (default: arm for ARMv7 CPUs, else arm64)." };
        var name = new Option<string?>("--name") { Description = "--dtb: root cell name (default: the tree's model, cut to 31 bytes)." };
        var ram = new Option<string[]>("--ram") { Description = "--dtb: a RAM bank START+SIZE instead of the tree's /memory (repeatable; for firmware that fills /memory at boot)." };
        var output = new Option<string?>("--output", "-o") { Description = "The YAML system configuration to write (--snapshot: default standard output)." };
        var command = new Command("create",
            "Generate a root cell (system) configuration: from a snapshot of an x86 target (--snapshot) or from an ARM board's device tree (--dtb).")
            { snapshot, dtb, hypervisor, inmates, console, arch, name, ram, output };
        OutputPaths.Check(command, output, snapshot, dtb);
        command.SetAction(parse =>
        {
            string? snapshotPath = parse.GetValue(snapshot);
            string? dtbPath = parse.GetValue(dtb);
            if ((snapshotPath is null) == (dtbPath is null))
            {
                throw new Jailhouse.Config.UsageException("config create", "give exactly one of --snapshot S.tar (x86, from `jailhouse config collect`) or --dtb BOARD.dtb (ARM)");
            }
            return snapshotPath is not null
                ? GenerateCommands.RunSnapshot(parse, new GenerateCommands.SnapshotOptions(hypervisor, inmates, console), snapshotPath, parse.GetValue(output))
                : CellGenerateCommands.RunDeviceTree(parse, new CellGenerateCommands.DeviceTreeOptions(hypervisor, inmates, arch, name, ram), dtbPath!, parse.GetValue(output));
        });
        return command;
    }
}
