"""The .NET 8 SDK's `dotnet restore|build|publish`, and `dotnet App.dll` running what it built.

The project file (`*.csproj`, `*.fsproj`) is read for real: its SDK (`Microsoft.NET.Sdk.Web`
makes an ASP.NET app), target framework, assembly name and `PackageReference`s. Packages are
restored into `~/.nuget/packages` as stand-ins by rule (builds.artifact). Publishing writes the
assembly (a PE file recording what the program does, builds.py), its `.deps.json`,
`.runtimeconfig.json`, `.pdb`, the referenced packages' assemblies and the native apphost.
Messages are the SDK's classic console logger's (used when there is no terminal).
"""

from __future__ import annotations

import json
import posixpath
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from tutor.engine.fs import Data, FsError, Node, Synthetic
from tutor.engine.sh._api import Process, program
from tutor.engine.sh.pkg import builds
from tutor.engine.sh.pkg.catalogue import (
    LINK_SPEED,
    list_dir,
    put_file,
    read_text,
    remove_path,
    write_text,
)

SDK_VERSION = "8.0.405"
MSBUILD = "MSBuild version 17.12.12+1cce77968 for .NET"
GLIBC_LOADER = "/lib64/ld-linux-x86-64.so.2"


class DotnetError(Exception):
    """An MSBuild error line (`/app/App.csproj : error MSB…`) or a CLI message."""


@dataclass
class CsProject:
    path: str
    sdk: str
    framework: str
    assembly: str
    packages: list[tuple[str, str]] = field(default_factory=list)

    @property
    def folder(self) -> str:
        return posixpath.dirname(self.path)

    @property
    def web(self) -> bool:
        return self.sdk.endswith(".Web")


def find_project(proc: Process, arg: str | None) -> CsProject:
    where = posixpath.normpath(posixpath.join(proc.cwd, arg)) if arg else proc.cwd
    text: str | None
    if where.endswith(("proj", ".sln")):
        candidates = [where]
    else:
        candidates = [f"{where}/{n}" for n in sorted(list_dir(proc.fs, where))
                      if n.endswith(("proj", ".sln"))]
    if not candidates:
        raise DotnetError("MSBUILD : error MSB1003: Specify a project or solution file. The "
                          "current working directory does not contain a project or solution "
                          "file.")
    if len(candidates) > 1:
        raise DotnetError("MSBUILD : error MSB1011: Specify which project or solution file to "
                          "use because this folder contains more than one project or solution "
                          "file.")
    path = candidates[0]
    if path.endswith(".sln"):
        listed = re.findall(r'"([^"]+\.(?:cs|fs)proj)"', read_text(proc.fs, path) or "")
        if not listed:
            raise DotnetError(f"{path} : error MSB4025: The solution lists no projects.")
        path = posixpath.normpath(posixpath.join(posixpath.dirname(path),
                                                 listed[0].replace("\\", "/")))
    text = read_text(proc.fs, path)
    if text is None:
        raise DotnetError(f"MSBUILD : error MSB1009: Project file does not exist.\nSwitch: "
                          f"{arg}")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise DotnetError(f"{path}({exc.position[0]},{exc.position[1]}): error MSB4025: The "
                          "project file could not be loaded.") from None
    props = {el.tag: (el.text or "").strip() for group in root.iter("PropertyGroup")
             for el in group}
    framework = props.get("TargetFramework") or (props.get("TargetFrameworks", "net8.0")
                                                 .split(";")[0])
    stem = posixpath.basename(path).rsplit(".", 1)[0]
    project = CsProject(path, root.get("Sdk", "Microsoft.NET.Sdk"), framework,
                        props.get("AssemblyName") or stem)
    for ref in root.iter("PackageReference"):
        name = ref.get("Include") or ""
        version = ref.get("Version") or (ref.findtext("Version") or "")
        if name:
            project.packages.append((name, version))
    return project


def nuget_root(proc: Process) -> str:
    return proc.env.get("NUGET_PACKAGES") or f"{proc.env.get('HOME') or '/root'}/.nuget/packages"


def _resolve(project: CsProject) -> list[builds.Artifact]:
    resolved = []
    for name, version in project.packages:
        wanted = version.strip("[]() ").split(",")[0].replace("*", "0") or None
        resolved.append(builds.artifact("nuget", "", name, wanted, 30_000, 3_000_000))
    return resolved


def restore(proc: Process, project: CsProject) -> list[builds.Artifact]:
    resolved = _resolve(project)
    assets = f"{project.folder}/obj/project.assets.json"
    root = nuget_root(proc)
    proc.out("  Determining projects to restore...\n")
    fresh = [a for a in resolved if f"{root}/{a.name.lower()}/{a.version}/.nupkg.metadata"
             not in proc.fs]
    if assets in proc.fs and not fresh:
        proc.out("  All projects are up-to-date for restore.\n")
        return resolved
    if fresh and proc.world is None:
        raise DotnetError(f"{project.path} : error NU1301: Unable to load the service index for "
                          "source https://api.nuget.org/v3/index.json.")
    for art in fresh:
        folder = f"{root}/{art.name.lower()}/{art.version}"
        put_file(proc.fs, f"{folder}/{art.name.lower()}.{art.version}.nupkg",
                 Node("file", 0o644, content=Synthetic(art.size // 2, f"nupkg:{art.name}")))
        put_file(proc.fs, f"{folder}/lib/{project.framework}/{art.name}.dll",
                 Node("file", 0o644, content=Synthetic(art.size, f"dll:{art.name}")))
        write_text(proc.fs, f"{folder}/.nupkg.metadata", json.dumps(
            {"version": 2, "contentHash": builds.fingerprint(art.name, art.version)[:44],
             "source": "https://api.nuget.org/v3/index.json"}) + "\n")
    seconds = 0.6 + sum(a.size / 2 for a in fresh) / LINK_SPEED + 0.2 * len(fresh)
    proc.spend(seconds)
    write_text(proc.fs, assets, json.dumps({
        "version": 3, "targets": {project.framework: {
            f"{a.name}/{a.version}": {"type": "package"} for a in resolved}},
        "project": {"restore": {"projectPath": project.path}}}, indent=2) + "\n")
    proc.out(f"  Restored {project.path} (in {seconds:.2f} sec).\n")
    return resolved


def compile_project(proc: Process, project: CsProject, config: str,
                    resolved: list[builds.Artifact], apphost: bool = True) -> str:
    """Write `bin/<config>/<tfm>/`; the assembly's path."""
    sources = builds.source_files(proc, project.folder, ".cs", skip=("bin", "obj"))
    record = builds.describe_csharp(sources)
    out = f"{project.folder}/bin/{config}/{project.framework}"
    fingerprint = builds.fingerprint(sources, [(a.name, a.version) for a in resolved], config)
    dll = f"{out}/{project.assembly}.dll"
    size = 6_000 + 4 * sum(len(s) for s in sources)
    builds.write_bytes(proc.fs, dll, builds.dll(size, fingerprint, record))
    put_file(proc.fs, f"{out}/{project.assembly}.pdb",
             Node("file", 0o644, content=Synthetic(size // 2 + 9000, f"pdb:{fingerprint}")))
    if apphost:  # the native launcher, unless /p:UseAppHost=false
        launcher = builds.elf(72_000, f"apphost:{fingerprint}", {**record, "program": "dotnet"},
                              GLIBC_LOADER)
        put_file(proc.fs, f"{out}/{project.assembly}", Node("file", 0o755,
                                                             content=Data(launcher)))
    else:  # MSBuild's incremental clean removes a launcher an earlier build left
        remove_path(proc.fs, f"{out}/{project.assembly}")
    framework = "Microsoft.AspNetCore.App" if project.web else "Microsoft.NETCore.App"
    version = project.framework.removeprefix("net") + ".0"
    write_text(proc.fs, f"{out}/{project.assembly}.runtimeconfig.json", json.dumps({
        "runtimeOptions": {"tfm": project.framework, "framework": {
            "name": framework, "version": version}}}, indent=2) + "\n")
    write_text(proc.fs, f"{out}/{project.assembly}.deps.json", json.dumps({
        "runtimeTarget": {"name": f".NETCoreApp,Version=v{version[:3]}"},
        "libraries": {f"{project.assembly}/1.0.0": {"type": "project"},
                      **{f"{a.name}/{a.version}": {"type": "package"} for a in resolved}}},
        indent=2) + "\n")
    for art in resolved:
        put_file(proc.fs, f"{out}/{art.name}.dll",
                 Node("file", 0o644, content=Synthetic(art.size, f"dll:{art.name}")))
    proc.spend(2.5 + 0.2 * len(sources))
    proc.out(f"  {project.assembly} -> {dll}\n")
    return out


def _copy_tree(proc: Process, source: str, target: str) -> None:
    for path in sorted(proc.fs.walk(source)):
        node = proc.fs.get(path)
        if node is not None and node.type == "file":
            put_file(proc.fs, target + path[len(source):], node)


def build_command(proc: Process, command: str, args: list[str]) -> int:
    config = "Release" if command == "publish" else "Debug"
    output = ""
    no_restore = False
    properties: dict[str, str] = {}
    project_arg: str | None = None
    it = iter(args)
    for arg in it:
        if arg in ("-c", "--configuration"):
            config = next(it, config)
        elif arg in ("-o", "--output"):
            output = next(it, "")
        elif arg.startswith(("-o:", "--output=")):
            output = arg.split(":" if arg.startswith("-o:") else "=", 1)[1]
        elif arg == "--no-restore":
            no_restore = True
        elif arg in ("-r", "--runtime", "-f", "--framework", "-v", "--verbosity"):
            next(it, None)
        elif arg.lower().startswith(("/p:", "-p:", "--property:", "/property:")):
            key, _, value = arg.split(":", 1)[1].partition("=")
            properties[key.lower()] = value.lower()
        elif not arg.startswith("-"):
            project_arg = arg
    project = find_project(proc, project_arg)
    if command == "restore":
        restore(proc, project)
        return 0
    proc.out(f"{MSBUILD}\n")
    if no_restore:
        if f"{project.folder}/obj/project.assets.json" not in proc.fs:
            raise DotnetError(f"/usr/share/dotnet/sdk/{SDK_VERSION}/Sdks/Microsoft.NET.Sdk/"
                              "targets/Microsoft.PackageDependencyResolution.targets(266,5): "
                              "error NETSDK1004: Assets file "
                              f"'{project.folder}/obj/project.assets.json' not found. Run a "
                              "NuGet package restore to generate this file. "
                              f"[{project.path}]")
        resolved = _resolve(project)
    else:
        resolved = restore(proc, project)
    out = compile_project(proc, project, config, resolved,
                          apphost=properties.get("useapphost") != "false")
    if command == "publish":
        target = posixpath.normpath(posixpath.join(proc.cwd, output)) if output else (
            f"{out}/publish")
        _copy_tree(proc, out, target)
        for name in ("appsettings.json", "appsettings.Development.json"):
            node = proc.fs.get(f"{project.folder}/{name}")
            if node is not None:
                put_file(proc.fs, f"{target}/{name}", node)
        if project.web:
            write_text(proc.fs, f"{target}/web.config", "<?xml version=\"1.0\" encoding=\"utf-8\""
                       "?>\n<configuration />\n")
        proc.spend(1.0)
        proc.out(f"  {project.assembly} -> {target}/\n")
    else:
        proc.out(f"\nBuild succeeded.\n    0 Warning(s)\n    0 Error(s)\n\nTime Elapsed "
                 f"00:00:{proc.seconds:05.2f}\n")
    return 0


def run_assembly(proc: Process, path: str) -> int:
    try:
        _, node = proc.fs.lookup(path, proc.cwd)
    except FsError:
        proc.err(f"The application '{path}' does not exist or is not a managed .dll or .exe.\n")
        return 1
    data = node.content.read() if node.content is not None else b""
    record = builds.read_dll(data)
    if record is None:
        proc.err(f"The application '{path}' does not exist or is not a managed .dll or .exe.\n")
        return 1
    return builds.play(proc, record)


@program("dotnet")
def dotnet(proc: Process) -> int:
    args = proc.argv[1:]
    command = args[0] if args else ""
    sdk = "DOTNET_SDK_VERSION" in proc.env or not proc.env.get("DOTNET_VERSION")
    try:
        if command == "--version":
            if not sdk:
                proc.err("The command could not be loaded, possibly because:\n  * You intended "
                         "to execute a .NET application:\n      The application '--version' does "
                         "not exist.\n  * You intended to execute a .NET SDK command:\n      No "
                         ".NET SDKs were found.\n")
                return 145
            proc.out(f"{proc.env.get('DOTNET_SDK_VERSION', SDK_VERSION)}\n")
            return 0
        if command.endswith((".dll", ".exe")):
            return run_assembly(proc, command)
        if command in ("restore", "build", "publish"):
            if not sdk:
                proc.err("The command could not be loaded, possibly because:\n  * You intended "
                         f"to execute a .NET application:\n      The application '{command}' "
                         "does not exist.\n  * You intended to execute a .NET SDK command:\n"
                         "      No .NET SDKs were found.\n\nDownload a .NET SDK:\n"
                         "https://aka.ms/dotnet/download\n")
                return 145
            return build_command(proc, command, args[1:])
    except DotnetError as exc:
        proc.out(f"{exc}\n")
        return 1
    proc.err("Usage: dotnet [options]\nUsage: dotnet [path-to-application]\n")
    return 129 if command else 0
