// The test projects of Jailhouse.sln, in two tiers tagged in the test code: the fast tier (no
// images, no QEMU boots, no package downloads) and the image tier ([Trait("Tier", "Images")]),
// which checks what AllImages builds.
void RunTests(string filter) =>
    DotNetTest("Jailhouse.sln", new DotNetTestSettings { Configuration = configuration, NoLogo = true, Filter = filter });

Task("TestFast")
    .Description("The fast tier: every test without the Images trait (no images, QEMU boots or downloads).")
    .Does(() => RunTests("Tier!=Images"));

Task("TestImages")
    .Description("Build every board's images, then the image tier (tests with [Trait(\"Tier\", \"Images\")]).")
    .IsDependentOn("AllImages")
    .Does(() => RunTests("Tier=Images"));

Task("Test")
    .Description("Both tiers: the fast tier first, then every board's images and the image tier.")
    .IsDependentOn("TestFast")
    .IsDependentOn("TestImages");
