using System.CommandLine;
using Jailhouse.Boot;
using Jailhouse.Config;
using Jailhouse.Debian;
using Jailhouse.Images;

namespace Jailhouse.Cli;

/// <summary>`jailhouse board assemble|boot`: a board's kernel, initramfs and GRUB, and booting its image in QEMU.</summary>
internal static class BoardCommands
{
    public static Command Create()
    {
        var board = new Command("board", "Assemble a board's boot files and boot its image in QEMU.");
        board.Subcommands.Add(Info());
        board.Subcommands.Add(Assemble());
        board.Subcommands.Add(BootInQemu());
        board.Subcommands.Add(BoardRootCellCommand.Create());
        return board;
    }

    private static Argument<string> BoardArgument() => new("BOARD_YAML") { Description = "The board description, e.g. bsp/qemu-arm64/board.yaml." };

    private static Option<string> ArtifactsOption() => new("--artifacts") { Description = "The board's artifacts directory, e.g. artifacts/qemu-arm64.", Required = true };

    private static Command Info()
    {
        var boardFile = BoardArgument();
        var command = new Command("info", "Print a board's facts as KEY=VALUE lines (name, debian-arch, runtime-id, qemu) for scripts.") { boardFile };
        command.SetAction(parse =>
        {
            var board = BoardDescriptionReader.ReadFile(parse.GetRequiredValue(boardFile));
            Console.WriteLine($"name={board.Name}");
            Console.WriteLine($"debian-arch={board.DebianArch}");
            Console.WriteLine($"runtime-id={board.RuntimeId}");
            Console.WriteLine($"qemu={(board.Qemu is null ? "no" : "yes")}");
            return Program.Success;
        });
        return command;
    }

    private static Command Assemble()
    {
        var boardFile = BoardArgument();
        var artifacts = ArtifactsOption();
        var cli = new Option<string>("--cli") { Description = "The NativeAOT jailhouse binary for the board's architecture.", Required = true };
        var repository = new Option<string>("--repository") { Description = "Repository root (recipes/, bsp/common/).", DefaultValueFactory = _ => "." };
        var kmod = new Option<string?>("--kmod") { Description = "jailhouse.ko for the board's kernel (jailhouse kmod build), installed under /lib/modules/KVER/extra/." };
        var hypervisor = new Option<string?>("--hypervisor") { Description = "jailhouse.bin for the board's architecture (Cake target Hypervisor), installed as /lib/firmware/jailhouse.bin." };
        var inmates = new Option<string?>("--inmates") { Description = "A folder of built inmates (jailhouse inmate build, e.g. artifacts/inmates/arm64) whose *.bin files go to /usr/lib/jailhouse/inmates/ beside the assembly ones." };
        var lockFile = PackageCommands.ResolvedLockOption();
        var force = UpToDateCommands.ForceOption();
        var command = new Command("assemble", "Extract the kernel, busybox, glibc and GRUB for the board and write kernel/, rootfs/, initrd.img, grub/ and packages.lock into its artifacts; " +
            "skipped when the board, bsp/common, inmates, cells, CLI, driver, hypervisor, packages and tools are unchanged.")
            { boardFile, artifacts, cli, repository, kmod, hypervisor, inmates, lockFile, force };
        command.SetAction(parse =>
        {
            var board = BoardDescriptionReader.ReadFile(parse.GetRequiredValue(boardFile));
            string cliPath = parse.GetRequiredValue(cli);
            if (!File.Exists(cliPath))
                throw new InputException(new SourceLocation(cliPath, 0, 0), $"no {board.RuntimeId} jailhouse binary here: publish it first (dotnet cake --target=CliNative)");
            string? modulePath = parse.GetValue(kmod);
            if (modulePath is not null && !File.Exists(modulePath))
                throw new InputException(new SourceLocation(modulePath, 0, 0), "no kernel module here: build it first (jailhouse kmod build, Cake target Kmod)");
            string? hypervisorPath = parse.GetValue(hypervisor);
            if (hypervisorPath is not null && !File.Exists(hypervisorPath))
                throw new InputException(new SourceLocation(hypervisorPath, 0, 0), "no hypervisor image here: build it first (Cake target Hypervisor)");
            string? inmatesPath = parse.GetValue(inmates);
            if (inmatesPath is not null && !Directory.Exists(inmatesPath))
                throw new InputException(new SourceLocation(inmatesPath, 0, 0), "no inmate folder here: build the inmates first (jailhouse inmate build, Cake target Inmates)");
            var cache = PackageCache.Default();
            string root = parse.GetRequiredValue(repository);
            string artifactsDirectory = parse.GetRequiredValue(artifacts);
            var packages = TargetPackages.Load(root, parse.GetValue(lockFile), cache);
            var assembler = new BoardAssembler(board, root, artifactsDirectory, cache, packages);
            var timestamp = Reproducible.Timestamp();
            var stamp = new BuildStamp(Path.Combine(artifactsDirectory, ".stamps", "assemble.stamp"))
                .File(parse.GetRequiredValue(boardFile)).File(cliPath)
                .Tree(Path.Combine(root, "bsp", "common"), sourceTree: true).Tree(Path.Combine(root, "inmates"), sourceTree: true).Tree(Path.Combine(artifactsDirectory, "configs"))
                .Tool("grub-mkimage", "--version").Tool(board.DebianArch == "arm64" ? "aarch64-linux-gnu-as" : "as", "--version")
                .Option("kmod", modulePath is null ? null : FileHash.Sha256(modulePath))
                .Option("hypervisor", hypervisorPath is null ? null : FileHash.Sha256(hypervisorPath))
                .Files(inmatesPath is null ? [] : Directory.EnumerateFiles(inmatesPath, "*.bin").Order(StringComparer.Ordinal))
                .Option("timestamp", timestamp.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (var package in assembler.Packages().Values)
                stamp.Option("package " + package.Name, $"{package.Version} {package.Architecture} {package.Sha256}");
            string[] outputs = [.. new[] { "initrd.img", "packages.lock", Path.Combine("grub", board.EfiLoaderName), Path.Combine("grub", "grub.cfg"),
                Path.Combine("kernel", board.KernelFileName), Path.Combine("kernel", "config") }.Select(o => Path.Combine(artifactsDirectory, o))];
            if (!stamp.Run(outputs, parse.GetValue(force), () => assembler.Assemble(cliPath, timestamp, modulePath, hypervisorPath, inmatesPath)))
                UpToDateCommands.ReportSkipped($"{board.Name} kernel, initrd.img and GRUB");
            else
                Console.WriteLine($"{board.Name}: kernel, initrd.img and GRUB written to {artifactsDirectory}");
            return Program.Success;
        });
        return command;
    }

    private static Command BootInQemu()
    {
        var boardFile = BoardArgument();
        var artifacts = ArtifactsOption();
        var timeout = new Option<int>("--timeout") { Description = "Seconds before the boot counts as hung.", DefaultValueFactory = _ => 300 };
        var quiet = new Option<bool>("--quiet") { Description = "Do not echo the console (a --test boot still prints the test's report lines)." };
        var machine = new Option<string>("--machine")
        {
            Description = "qemu: the board's disk image in QEMU (TCG, UEFI); bochs: its kernel and initramfs in Bochs (emulated VT-x, x86 boards with a bochs section).",
            DefaultValueFactory = _ => "qemu",
        };
        machine.AcceptOnlyFromAmong("qemu", "bochs");
        var append = new Option<string[]>("--append") { Description = "Extra kernel arguments (Bochs, or QEMU with --test), e.g. quiet.", AllowMultipleArgumentsPerToken = true };
        var test = new Option<string?>("--test") { Description = "Run /init's test NAME (bsp/common/tests/NAME.sh, jailhouse.test=NAME), booting kernel and initramfs directly; passes when the test reports passed." };
        var gic = new Option<int?>("--gic-version") { Description = "QEMU virt: the GIC version instead of the board's (2 or 3)." };
        gic.AcceptOnlyFromAmong("2", "3");
        var cpus = new Option<int?>("--cpus") { Description = "QEMU: the CPU count instead of the board's." };
        var cpu = new Option<string?>("--cpu") { Description = "QEMU: the CPU model instead of the board's, e.g. max,pauth-impdef=on." };
        var cells = new Option<string[]>("--cell") { Description = "Bochs: a compiled configuration to add to the initramfs as /etc/jailhouse/NAME (repeatable)." };
        var command = new Command("boot", "Boot the board in QEMU (its disk image, or with --test its kernel and initramfs) or Bochs (its kernel and initramfs) and check that /init reports ready (or the test passed) and powers off.")
            { boardFile, artifacts, timeout, quiet, machine, append, test, gic, cpus, cpu, cells };
        command.Validators.Add(result =>
        {
            if (result.GetValue(cpus) is < 1)
                result.AddError("--cpus: expected at least 1");
            bool variant = result.GetValue(gic) is not null || result.GetValue(cpus) is not null || result.GetValue(cpu) is not null;
            bool inBochs = result.GetValue(machine) == "bochs";
            if (variant && inBochs)
                result.AddError("--gic-version, --cpus and --cpu vary the QEMU machine: not with --machine bochs");
            if ((variant || (result.GetValue(append) ?? []).Length > 0) && !inBochs && result.GetValue(test) is null)
                result.AddError("the disk image boots as built: --append, --gic-version, --cpus and --cpu need --test (a direct kernel boot)");
            if ((result.GetValue(cells) ?? []).Length > 0 && !inBochs)
                result.AddError("--cell adds configurations to the initramfs Bochs boots: --machine bochs only");
        });
        command.SetAction(parse =>
        {
            var board = BoardDescriptionReader.ReadFile(parse.GetRequiredValue(boardFile));
            string artifactsPath = parse.GetRequiredValue(artifacts);
            bool echo = !parse.GetValue(quiet);
            var limit = TimeSpan.FromSeconds(parse.GetValue(timeout));
            string? testName = parse.GetValue(test);
            var arguments = (parse.GetValue(append) ?? []).ToList();
            if (testName is not null)
                arguments.Insert(0, $"jailhouse.test={testName}");
            var variant = new QemuMachineVariant(parse.GetValue(gic), parse.GetValue(cpus), parse.GetValue(cpu));
            bool poweredOff;
            string console;
            TimeSpan elapsed;
            bool bochs = parse.GetValue(machine) == "bochs";
            if (bochs || testName is not null)
            {
                string kernel = Path.Combine(artifactsPath, "kernel", board.KernelFileName);
                string initrd = Path.Combine(artifactsPath, "initrd.img");
                if (!File.Exists(kernel) || !File.Exists(initrd))
                    throw new InputException(new SourceLocation(kernel, 0, 0), "no kernel and initrd.img: assemble the board first (dotnet cake --target=Assemble)");
                if (bochs)
                {
                    string[] added = parse.GetValue(cells) ?? [];
                    if (added.Length > 0)
                    {
                        string extended = Path.Combine(artifactsPath, "bochs", "initrd-cells.img");
                        Directory.CreateDirectory(Path.GetDirectoryName(extended)!);
                        BochsBoot.ExtendInitrd(initrd, added.Select(cell => ($"etc/jailhouse/{Path.GetFileName(cell)}", InputFiles.Read(cell, InputLimit.Configuration))), extended);
                        initrd = extended;
                    }
                    var result = BochsBoot.RunKernel(board, kernel, initrd, arguments, limit,
                        Path.Combine(artifactsPath, "bochs"), echo ? Console.WriteLine : null);
                    foreach (string error in result.EmulatorErrors)
                        Console.Error.WriteLine($"bochs.log: {error}");
                    (poweredOff, console, elapsed) = (result.PoweredOff, result.Console, result.Elapsed);
                }
                else
                {
                    var result = QemuBoot.RunKernel(board, kernel, initrd, arguments, limit, echo ? Console.WriteLine : null,
                        variant.IsEmpty ? null : variant.Apply(board));
                    (poweredOff, console, elapsed) = (result.PoweredOff, result.Console, result.Elapsed);
                }
            }
            else
            {
                string image = Path.Combine(artifactsPath, "images", board.Qemu?.Image ?? "disk.img");
                if (!File.Exists(image))
                    throw new InputException(new SourceLocation(image, 0, 0), "no image: build it first (dotnet cake --target=Images)");
                var result = QemuBoot.Run(board, image, limit, echo ? Console.WriteLine : null);
                (poweredOff, console, elapsed) = (result.PoweredOff, result.Console, result.Elapsed);
            }
            // A quiet test boot still shows the test's report lines ("jailhouse-test: | ..."): its figures.
            if (!echo && testName is not null)
                foreach (string line in console.Split('\n').Where(l => l.Contains("jailhouse-test: | ", StringComparison.Ordinal)))
                    Console.WriteLine(line.TrimEnd('\r'));
            string expected = testName is null ? "jailhouse-image: ready" : $"jailhouse-image: test {testName} passed";
            bool reached = console.Contains(expected, StringComparison.Ordinal);
            string what = testName is null ? "booted, /init ready, powered off" : $"test {testName} passed, powered off";
            string machineText = variant.IsEmpty ? "" : $" ({variant})";
            Console.Error.WriteLine($"{board.Name}{machineText}: {(reached && poweredOff ? what : "FAILED")} in {elapsed.TotalSeconds:F1} s");
            if (!reached || !poweredOff)
            {
                Console.Error.WriteLine(poweredOff ? $"the guest powered off without \"{expected}\"" : $"no power-off within {parse.GetValue(timeout)} s");
                return Program.InvalidInput;
            }
            return Program.Success;
        });
        return command;
    }
}
