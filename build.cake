// Entry point of the build: `dotnet cake [--target=T] [--board=B] [--configuration=C]`.
// Each recipe under recipes/ is one mechanism; this file only wires them together.
#load "recipes/common.cake"
#load "recipes/cli.cake"
#load "recipes/configs.cake"
#load "recipes/tests.cake"
#load "recipes/benchmark.cake"

Task("Default")
    .Description("The main job for --board (default qemu-arm64).")
    .IsDependentOn("Configs");

RunTarget(target);
