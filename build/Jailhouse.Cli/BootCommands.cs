using System.CommandLine;
using System.Text;
using Jailhouse.Boot;
using Jailhouse.Config;

namespace Jailhouse.Cli;

/// <summary>`jailhouse boot plan|cmdline|params`: the reservation, the kernel command line for each consumer, the hypervisor's board parameters.</summary>
internal static class BootCommands
{
    public static Command Create()
    {
        var boot = new Command("boot", "Boot integration: memory reservation, kernel command lines, hypervisor board parameters.");
        boot.Subcommands.Add(Plan());
        boot.Subcommands.Add(Cmdline());
        boot.Subcommands.Add(Files());
        return boot;
    }

    private static Option<string> BoardOption() => new("--board") { Description = "The board description, e.g. bsp/qemu-arm64/board.yaml.", Required = true };

    private static Command Plan()
    {
        var board = BoardOption();
        var config = new Option<string?>("--config") { Description = "The system configuration to check against the plan." };
        var cells = new Option<string[]>("--cell") { Description = "Non-root cell configurations to check (repeatable)." };
        var dtb = new Option<string?>("--dtb") { Description = "Take RAM banks and reserved ranges from this device tree instead of board.yaml." };
        var command = new Command("plan", "Place the hypervisor, shared memory and inmates in one reservation and derive the Linux side; check configurations against it.")
            { board, config, cells, dtb };
        command.SetAction(parse =>
        {
            var description = BoardDescriptionReader.ReadFile(parse.GetRequiredValue(board));
            if (parse.GetValue(dtb) is { } dtbPath)
            {
                try
                {
                    DeviceTreeMemory.Apply(description, DeviceTree.FdtReader.ReadFile(dtbPath));
                }
                catch (ArgumentException e)
                {
                    throw new InputException(new SourceLocation(dtbPath, 0, 0), e.Message);
                }
            }
            var plan = ReservationPlanner.Plan(description);
            Console.WriteLine($"reservation  0x{plan.Start:x}-0x{plan.End - 1:x} ({plan.Size >> 20} MiB, {plan.Method})");
            Console.WriteLine($"hypervisor   0x{plan.HypervisorBase:x}-0x{plan.HypervisorBase + plan.HypervisorSize - 1:x}");
            if (plan.SharedMemorySize > 0)
                Console.WriteLine($"shared mem   0x{plan.SharedMemoryBase:x}-0x{plan.SharedMemoryBase + plan.SharedMemorySize - 1:x}");
            Console.WriteLine($"inmates      0x{plan.InmatesBase:x}-0x{plan.InmatesBase + plan.InmatesSize - 1:x}");
            Console.WriteLine(plan.KernelArgument is { } argument
                ? $"linux        {argument}"
                : $"linux        /reserved-memory node: jailhouse dt edit BOARD.dtb --reserve 0x{plan.Start:x}+0x{plan.Size:x}");
            var system = parse.GetValue(config) is { } path ? ConfigFiles.Load(path, out _) : null;
            var cellConfigs = (parse.GetValue(cells) ?? []).Select(c => (c, ConfigFiles.Load(c, out _))).ToList();
            var errors = ReservationPlanner.Check(plan, system, cellConfigs);
            foreach (string error in errors)
                Console.Error.WriteLine($"error: {error}");
            return errors.Count == 0 ? Program.Success : Program.InvalidInput;
        });
        return command;
    }

    private static Command Cmdline()
    {
        var board = BoardOption();
        var consumer = new Option<string>("--for") { Description = "raw, grub-cfg, default-grub, u-boot or extlinux.", DefaultValueFactory = _ => "raw" };
        var command = new Command("cmdline", "Print the board's kernel command line quoted for one consumer.") { board, consumer };
        command.SetAction(parse =>
        {
            var description = BoardDescriptionReader.ReadFile(parse.GetRequiredValue(board));
            var arguments = ReservationPlanner.KernelArguments(description, description.Jailhouse is null ? null : ReservationPlanner.Plan(description));
            var kind = parse.GetRequiredValue(consumer) switch
            {
                "raw" => CmdlineConsumer.Raw,
                "grub-cfg" => CmdlineConsumer.GrubCfg,
                "default-grub" => CmdlineConsumer.DefaultGrub,
                "u-boot" => CmdlineConsumer.UBoot,
                "extlinux" => CmdlineConsumer.Extlinux,
                var other => throw new UsageException("--for", $"expected raw, grub-cfg, default-grub, u-boot or extlinux, found \"{other}\""),
            };
            Console.WriteLine(CmdlineEmitters.Emit(kind, arguments));
            return Program.Success;
        });
        return command;
    }

    private static Command Files()
    {
        var board = BoardOption();
        var output = new Option<string>("--output", "-o") { Description = "Directory for the files (artifacts/<board>/boot).", Required = true };
        var dtb = new Option<string?>("--dtb") { Description = "The board's device tree to edit (arm64 boards; QEMU boards without one get QEMU's)." };
        var command = new Command("files", "Write a board's boot files: command line for every consumer, grub.cfg and the edited DTB.")
            { board, output, dtb };
        OutputPaths.CheckDirectory(command, output);
        command.SetAction(parse =>
        {
            var description = BoardDescriptionReader.ReadFile(parse.GetRequiredValue(board));
            var plan = description.Jailhouse is null ? null : ReservationPlanner.Plan(description);
            var arguments = ReservationPlanner.KernelArguments(description, plan);
            string directory = parse.GetRequiredValue(output);
            // The directory is the command's own output: it is made here.
            void Write(string name, string text) => AtomicFile.Write(Path.Combine(directory, name), Encoding.UTF8.GetBytes(text), createDirectory: true);
            Write("cmdline.txt", CmdlineEmitters.Emit(CmdlineConsumer.Raw, arguments) + "\n");
            Write("default-grub", CmdlineEmitters.Emit(CmdlineConsumer.DefaultGrub, arguments) + "\n");
            Write("u-boot.txt", CmdlineEmitters.Emit(CmdlineConsumer.UBoot, arguments) + "\n");
            Write("extlinux.conf", "DEFAULT jailhouse\nLABEL jailhouse\n    KERNEL /" + (description.DebianArch == "arm64" ? "Image" : "vmlinuz")
                + "\n    INITRD /initrd.img\n" + CmdlineEmitters.Emit(CmdlineConsumer.Extlinux, arguments) + "\n");
            Write("grub.cfg", GrubConfigWriter.Write($"Jailhouse {description.Name}", description.DebianArch == "arm64" ? "/Image" : "/vmlinuz", "/initrd.img",
                description.DeviceTree is null ? null : "/" + Path.GetFileName(description.DeviceTree), arguments));
            if (description.DebianArch == "arm64")
            {
                // ARM boards boot with a device tree: the board's own (from the kernel package) or,
                // on QEMU, the one QEMU generates for the machine.
                var fdt = parse.GetValue(dtb) is { } source ? DeviceTree.FdtReader.ReadFile(source)
                    : description.DeviceTree is null ? BootDeviceTree.DumpFromQemu(description)
                    : throw new InputException(description.Origin, $"board {description.Name} boots with {description.DeviceTree}: pass it with --dtb");
                BootDeviceTree.Edit(fdt, description, plan, arguments);
                string name = description.DeviceTree is null ? description.Name + ".dtb" : Path.GetFileName(description.DeviceTree);
                AtomicFile.Write(Path.Combine(directory, name), DeviceTree.FdtWriter.Write(fdt), createDirectory: true);
            }
            Console.WriteLine($"{description.Name}: boot files written to {directory}");
            return Program.Success;
        });
        return command;
    }
}
