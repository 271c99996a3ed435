// Arguments and paths every recipe shares.
var target = Argument("target", "Default");
var board = Argument("board", "qemu-arm64");
var configuration = Argument("configuration", "Release");

DirectoryPath RepositoryRoot => MakeAbsolute(Directory("."));
DirectoryPath ArtifactsRoot => RepositoryRoot.Combine("artifacts");
DirectoryPath BoardArtifacts(string name) => ArtifactsRoot.Combine(name);

/// Every build step skips itself when its inputs are unchanged (stamps beside its outputs);
/// --force reruns them all.
bool ForceRebuild => HasArgument("force");

/// A jailhouse build command's arguments, with --force when Cake was given it.
string[] Forced(params string[] arguments) => ForceRebuild ? arguments.Append("--force").ToArray() : arguments;

/// Boards are the folders of configs/ and bsp/, in ordinal order.
IEnumerable<string> BoardsWithConfigs() =>
    GetDirectories("configs/*").Select(d => d.GetDirectoryName()).OrderBy(n => n, StringComparer.Ordinal);

/// Runs a program; a non-zero exit fails the build naming the command.
void Run(string program, ProcessArgumentBuilder arguments, string workingDirectory = null)
{
    var settings = new ProcessSettings { Arguments = arguments };
    if (workingDirectory != null)
        settings.WorkingDirectory = workingDirectory;
    int exit = StartProcess(program, settings);
    if (exit != 0)
        throw new CakeException($"{program} {arguments.RenderSafe()} failed with exit code {exit}");
}

Task("Clean")
    .Description("Delete artifacts/ (outputs and their up-to-date stamps; the package cache stays): the next build starts from scratch.")
    .Does(() =>
    {
        if (DirectoryExists(ArtifactsRoot))
            DeleteDirectory(ArtifactsRoot, new DeleteDirectorySettings { Recursive = true, Force = true });
    });
