// The test projects of Jailhouse.sln. The image and boot tests check what AllImages builds.
Task("Test")
    .Description("Build every board's images, then run every test project.")
    .IsDependentOn("AllImages")
    .Does(() => DotNetTest("Jailhouse.sln", new DotNetTestSettings { Configuration = configuration, NoLogo = true }));
