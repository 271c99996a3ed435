// The test projects of Jailhouse.sln, in tiers tagged in the test code: the fast tier (no images,
// no QEMU boots, no package downloads) and the slow tier: the image tests
// ([Trait("Tier", "Images")]), which check what AllImages builds, the bounded fuzzing run
// ([Trait("Tier", "Fuzz")], a couple of minutes by design) and the x86 hypervisor's Bochs boots
// ([Trait("Tier", "Bochs")], four boots of 3-6 minutes each).
void RunTests(string filter) =>
    DotNetTest("Jailhouse.sln", new DotNetTestSettings { Configuration = configuration, NoLogo = true, Filter = filter });

Task("TestFast")
    .Description("The fast tier: every test without the Images, Fuzz or Bochs trait (no images, QEMU or Bochs boots, downloads).")
    .Does(() => RunTests("Tier!=Images&Tier!=Fuzz&Tier!=Bochs"));

Task("TestSlow")
    .Description("Build every board's images, then the slow tier: the image tests, the bounded fuzzing run and the Bochs boots.")
    .IsDependentOn("AllImages")
    .Does(() => RunTests("Tier=Images|Tier=Fuzz|Tier=Bochs"));

Task("Test")
    .Description("Both tiers: the fast tier first, then every board's images and the slow tier.")
    .IsDependentOn("TestFast")
    .IsDependentOn("TestSlow");

Task("TestBochs")
    .Description("The Bochs boots of the slow tier alone: the x86 hypervisor under emulated VT-x, Linux in Bochs as the root cell, and the crash-dump loop (3-6 minutes a boot).")
    .IsDependentOn("AllImages")
    .Does(() => RunTests("Tier=Bochs"));
