// A long fuzzing run over every `jailhouse` command (tests/Jailhouse.Fuzz); the test suite runs a
// bounded one (FuzzTests). Arguments: --fuzz-cases=N (default 20000), --fuzz-seed=S (default 1).
// Reproducers of failures go to artifacts/fuzz/reproducers.
Task("Fuzz")
    .Description("Fuzz the jailhouse commands with mutated configurations, device trees, snapshots, logs and board files; reproducers in artifacts/fuzz/reproducers.")
    .Does(() =>
    {
        DotNetRun("tests/Jailhouse.Fuzz/Jailhouse.Fuzz.csproj",
            new ProcessArgumentBuilder()
                .Append("--cases").Append(Argument("fuzz-cases", "20000"))
                .Append("--seed").Append(Argument("fuzz-seed", "1"))
                .Append("--reproducers").AppendQuoted(ArtifactsRoot.Combine("fuzz/reproducers").FullPath),
            new DotNetRunSettings { Configuration = configuration });
    });
