// The test projects of Jailhouse.sln. The QEMU boot tests boot the images QemuImages builds.
Task("Test")
    .Description("Build the QEMU boards' images, then run every test project.")
    .IsDependentOn("QemuImages")
    .Does(() => DotNetTest("Jailhouse.sln", new DotNetTestSettings { Configuration = configuration, NoLogo = true }));
