// The test projects of Jailhouse.sln, in tiers tagged in the test code: the fast tier (no images,
// no QEMU boots, no package downloads) and the slow tier: the image tests
// ([Trait("Tier", "Images")]), which check what AllImages builds, and the bounded fuzzing run
// ([Trait("Tier", "Fuzz")], a couple of minutes by design).
void RunTests(string filter) =>
    DotNetTest("Jailhouse.sln", new DotNetTestSettings { Configuration = configuration, NoLogo = true, Filter = filter });

Task("TestFast")
    .Description("The fast tier: every test without the Images or Fuzz trait (no images, QEMU boots or downloads).")
    .Does(() => RunTests("Tier!=Images&Tier!=Fuzz&Tier!=Bochs"));

Task("TestSlow")
    .Description("Build every board's images, then the slow tier: the image tests and the bounded fuzzing run.")
    .IsDependentOn("AllImages")
    .Does(() => RunTests("Tier=Images|Tier=Fuzz"));

Task("Test")
    .Description("Both tiers: the fast tier first, then every board's images and the slow tier.")
    .IsDependentOn("TestFast")
    .IsDependentOn("TestSlow");

Task("TestBochs")
    .Description("The x86 hypervisor under emulated VT-x: Linux in Bochs as the root cell, and the crash-dump loop (about 13 minutes a boot; not part of Test).")
    .IsDependentOn("AllImages")
    .Does(() => RunTests("Tier=Bochs"));
