// The test projects of Jailhouse.sln.
Task("Test")
    .Description("Run every test project.")
    .Does(() => DotNetTest("Jailhouse.sln", new DotNetTestSettings { Configuration = configuration, NoLogo = true }));
