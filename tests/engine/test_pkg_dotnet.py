"""dotnet restore/publish on a .csproj, `dotnet App.dll`, and the SDK's failures."""

from __future__ import annotations

import json

from tests.engine.build_trees import tool_env, tool_tree
from tests.engine.pkg_helpers import FakeWorld
from tutor.engine.fs import FileTree
from tutor.engine.sh import run_script
from tutor.engine.sh.pkg import builds
from tutor.engine.sh.pkg.catalogue import read_text, write_text

CSPROJ = """<Project Sdk="Microsoft.NET.Sdk.Web">

  <PropertyGroup>
    <TargetFramework>net8.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
  </PropertyGroup>

  <ItemGroup>
    <PackageReference Include="Microsoft.EntityFrameworkCore.SqlServer" Version="8.0.1" />
    <PackageReference Include="Swashbuckle.AspNetCore" Version="6.5.0" />
  </ItemGroup>

</Project>
"""
PROGRAM = """var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();

app.MapGet("/", () => "Hello World!");

app.Run();
"""
CONSOLE = '<Project Sdk="Microsoft.NET.Sdk">\n  <PropertyGroup>\n    <OutputType>Exe</OutputType>' \
          '\n    <TargetFramework>net8.0</TargetFramework>\n  </PropertyGroup>\n</Project>\n'


def _sh(fs: FileTree, script: str, **env: str):  # type: ignore[no-untyped-def]
    return run_script(script, fs=fs, env=tool_env(**env), cwd="/source",
                      world=FakeWorld())  # type: ignore[arg-type]


def test_restore_then_publish_a_web_app() -> None:
    fs = tool_tree("dotnet")
    write_text(fs, "/source/aspnetapp.csproj", CSPROJ)
    write_text(fs, "/source/Program.cs", PROGRAM)
    write_text(fs, "/source/appsettings.json", "{}\n")
    restore = _sh(fs, "dotnet restore")
    assert restore.exit_code == 0, restore.stdout
    lines = restore.stdout.decode().splitlines()
    assert lines[0] == "  Determining projects to restore..."
    assert lines[1].startswith("  Restored /source/aspnetapp.csproj (in ")
    assert "/root/.nuget/packages/swashbuckle.aspnetcore/6.5.0/.nupkg.metadata" in fs
    publish = _sh(fs, "dotnet publish -c Release -o /app --no-restore")
    assert publish.exit_code == 0, publish.stdout
    assert publish.stdout.decode() == (
        "MSBuild version 17.12.12+1cce77968 for .NET\n"
        "  aspnetapp -> /source/bin/Release/net8.0/aspnetapp.dll\n  aspnetapp -> /app/\n")
    for name in ("aspnetapp.dll", "aspnetapp.pdb", "aspnetapp.deps.json", "aspnetapp",
                 "aspnetapp.runtimeconfig.json", "Swashbuckle.AspNetCore.dll", "web.config",
                 "appsettings.json"):
        assert f"/app/{name}" in fs, name
    config = json.loads(read_text(fs, "/app/aspnetapp.runtimeconfig.json") or "")
    assert config["runtimeOptions"]["framework"] == {"name": "Microsoft.AspNetCore.App",
                                                     "version": "8.0.0"}
    node = fs.get("/app/aspnetapp.dll")
    assert node is not None and node.content is not None
    record = builds.read_dll(node.content.read())
    assert record is not None and (record["listen"], record["response"]) == (":8080",
                                                                             "Hello World!")
    again = _sh(fs, "dotnet restore")
    assert again.stdout.decode() == ("  Determining projects to restore...\n"
                                     "  All projects are up-to-date for restore.\n")


def test_console_app_runs_with_dotnet_dll() -> None:
    fs = tool_tree("dotnet")
    write_text(fs, "/source/Hello.csproj", CONSOLE)
    write_text(fs, "/source/Program.cs", 'Console.WriteLine("Hello, World!");\n')
    result = _sh(fs, "dotnet publish -o out && dotnet out/Hello.dll && ./out/Hello")
    assert result.exit_code == 0, result.stdout
    assert result.stdout.decode().endswith("Hello, World!\nHello, World!\n")
    plain = _sh(fs, "dotnet publish Hello.csproj -c Release -o /app /p:UseAppHost=false")
    assert plain.exit_code == 0, plain.stdout
    assert "/app/Hello.dll" in fs and "/app/Hello" not in fs


def test_failures() -> None:
    fs = tool_tree("dotnet")
    fs.makedirs("/source")
    none = _sh(fs, "dotnet build")
    assert none.exit_code == 1
    assert none.stdout.decode().endswith(
        "MSBUILD : error MSB1003: Specify a project or solution file. The current working "
        "directory does not contain a project or solution file.\n")
    runtime_only = _sh(fs, "dotnet publish", DOTNET_VERSION="8.0.12")
    assert runtime_only.exit_code == 145
    assert "No .NET SDKs were found." in runtime_only.stderr.decode()
    missing = _sh(fs, "dotnet App.dll")
    assert missing.stderr.decode() == ("The application 'App.dll' does not exist or is not a "
                                       "managed .dll or .exe.\n")
