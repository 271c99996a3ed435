// Entry point of the build: `dotnet cake [--target=T] [--board=B] [--configuration=C]`.
// Each recipe under recipes/ is one mechanism; this file only wires them together.
#load "recipes/common.cake"
#load "recipes/cli.cake"
#load "recipes/packages.cake"
#load "recipes/configs.cake"
#load "recipes/kmod.cake"
#load "recipes/hypervisor.cake"
#load "recipes/inmates.cake"
#load "recipes/board.cake"
#load "recipes/release.cake"
#load "recipes/tests.cake"
#load "recipes/benchmark.cake"
#load "recipes/fuzz.cake"

Task("Default")
    .Description("The main job: build --board (default qemu-arm64) and boot it in QEMU.")
    .IsDependentOn("Qemu");

RunTarget(target);
