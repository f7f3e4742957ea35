"""The --format template engine: Go text/template semantics, Docker's functions and errors."""

from __future__ import annotations

import pytest

from tutor.dockercli.templates import JSONNumber, Struct, TemplateError, parse, render_format

IMAGE = Struct(
    "*formatter.imageContext",
    {"Repository": "app", "Tag": "1", "ID": "3f1c5e0a9b2d", "Digest": "<none>",
     "CreatedSince": "10 seconds ago", "Size": "7.81MB"},
    sorted_json=True,
)
IMAGE_HEADER = {"ID": "IMAGE ID", "Repository": "REPOSITORY", "Tag": "TAG", "Digest": "DIGEST",
                "CreatedSince": "CREATED", "Size": "SIZE"}
DATA = {"Names": ["web", "db"], "Labels": {"b": "2", "a": "1"}, "Name": "Hello World",
        "Size": 7812345.0, "Num": JSONNumber("7812345"), "Parent": None, "Empty": "",
        "Config": {"Env": ["A=1"], "Cmd": None}}


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("{{.Name}}", "Hello World"),
        ("{{.Config.Env}}", "[A=1]"),
        ("{{.Labels}}", "map[a:1 b:2]"),
        ("{{json .Labels}}", '{"a":"1","b":"2"}'),
        ("{{json .Names}}", '["web","db"]'),
        ("{{join .Names \",\"}}", "web,db"),
        ("{{join .Labels \"+\"}}", "1+2"),
        ("{{upper .Name}} {{lower .Name}} {{title \"hello big-world\"}}",
         "HELLO WORLD hello world Hello Big-World"),
        ("{{split \"a:b:c\" \":\"}}", "[a b c]"),
        ("{{truncate .Name 5}}|{{truncate \"ab\" 5}}", "Hello|ab"),
        ("[{{pad .Name 1 2}}][{{pad .Empty 1 2}}]", "[ Hello World  ][]"),
        ("{{println .Name}}", "Hello World\n"),
        ("{{range .Names}}<{{.}}>{{end}}", "<web><db>"),
        ("{{range $i, $n := .Names}}{{$i}}={{$n}} {{end}}", "0=web 1=db "),
        ("{{range $k, $v := .Labels}}{{$k}}{{$v}}{{end}}", "a1b2"),
        ("{{range .Config.Cmd}}x{{else}}none{{end}}", "none"),
        ("{{if .Empty}}yes{{else}}no{{end}}", "no"),
        ("{{if .Nope}}a{{else if .Name}}b{{else}}c{{end}}", "b"),
        ("{{with .Config}}{{.Env}}{{end}}", "[A=1]"),
        ("{{index .Labels \"a\"}}|{{index .Names 1}}", "1|db"),
        ("{{.Name | json}}|{{.Names | len}}", '"Hello World"|2'),
        ("{{.Nope}}|{{.Nope.Deeper}}|{{.Parent}}|{{json .Parent}}",
         "<no value>|<no value>|<no value>|null"),
        ("{{.Size}}|{{.Num}}|{{json .Num}}", "7.812345e+06|7812345|7812345"),
        ("{{if and .Name (not .Empty)}}ok{{end}}{{if or .Empty .Nope}}bad{{end}}", "ok"),
        ("{{if eq .Name \"Hello World\"}}eq{{end}}{{printf \"%s-%d-%q\" .Empty 3 \"x\"}}",
         'eq-3-"x"'),
        ("a  {{- \" b \" -}}  c{{/* comment */}}", "a b c"),
        ("{{$x := .Name}}{{$x}}", "Hello World"),
    ],
)
def test_execute(fmt: str, expected: str) -> None:
    assert parse(fmt).execute(DATA) == expected


@pytest.mark.parametrize(
    ("fmt", "message"),
    [
        # docker/cli formatter/image_test.go
        ("{{InvalidFunction}}", 'template: :1: function "InvalidFunction" not defined'),
        ("{{.Name", "template: :1: unclosed action"),
        ("{{", "template: :1: unexpected unclosed action in command"),
        ("{{end}}", "template: :1: unexpected {{end}}"),
        ("{{if .Name}}", "template: :1: unexpected EOF"),
        # Go's parser reports a lexing error met at the start of a pipeline as "unexpected".
        ("x\n{{.Name}}{{)}}", "template: :2: unexpected unexpected right paren in command"),
        ("{{\"abc}}", "template: :1: unexpected unterminated quoted string in command"),
        ("{{.Name \"abc}}", "template: :1: unterminated quoted string"),
        ("{{$x}}", 'template: :1: undefined variable "$x"'),
        ("{{.Name | \"x\"}}", "template: :1: non executable command in pipeline stage 2"),
    ],
)
def test_parse_errors(fmt: str, message: str) -> None:
    with pytest.raises(TemplateError) as err:
        parse(fmt)
    assert err.value.message == message


@pytest.mark.parametrize(
    ("fmt", "message"),
    [
        # docker/cli formatter/image_test.go
        ("{{nil}}", 'template: :1:2: executing "" at <nil>: nil is not a command'),
        ("{{.Nope}}", 'template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in '
                      "type *formatter.imageContext"),
        ("x\n {{.ID.Sub}}", 'template: :2:3: executing "" at <.ID.Sub>: can\'t evaluate field '
                            "Sub in type string"),
        ("{{join .ID \",\"}}", 'template: :1:2: executing "" at <join .ID ",">: error calling '
                               "join: expected slice, got string"),
        ("{{upper 3}}", 'template: :1:8: executing "" at <3>: expected string; found 3'),
        ("{{upper}}", 'template: :1:2: executing "" at <upper>: wrong number of args for upper: '
                      "want 1 got 0"),
        ("{{.ID 1}}", 'template: :1:2: executing "" at <.ID>: wrong number of args for ID: '
                      "want 0 got 1"),
    ],
)
def test_execution_errors_on_struct(fmt: str, message: str) -> None:
    with pytest.raises(TemplateError) as err:
        parse(fmt).execute(IMAGE)
    assert err.value.message == message


def test_missing_key_error_option_as_inspect_fallback() -> None:
    with pytest.raises(TemplateError) as err:
        parse("{{.Nope}}").execute(DATA, missing_key_error=True)
    assert err.value.message == (
        'template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"'
    )
    with pytest.raises(TemplateError) as err:
        parse("{{.Parent.X}}").execute(DATA)
    assert "nil pointer evaluating interface {}.X" in err.value.message


def test_partial_output_kept_on_error() -> None:
    with pytest.raises(TemplateError) as err:
        parse("ok {{.Nope}}").execute(IMAGE)
    assert err.value.partial == "ok "


IMAGE_TABLE = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}" \
    "{{else}}N/A{{end}}\t{{.Size}}"


def test_render_table_format_with_header_map() -> None:
    assert render_format(IMAGE_TABLE, [IMAGE], IMAGE_HEADER) == (
        "REPOSITORY   TAG       IMAGE ID       CREATED          SIZE\n"
        "app          1         3f1c5e0a9b2d   10 seconds ago   7.81MB\n"
    )


def test_render_user_table_with_escapes_and_header_functions() -> None:
    out = render_format(r"table {{.ID}}\t{{upper .Repository}}", [IMAGE], IMAGE_HEADER)
    assert out == "IMAGE ID       REPOSITORY\n3f1c5e0a9b2d   APP\n"
    # No rows: only the header; an unknown field shows Go's <no value>.
    assert render_format("table {{.ID}}\\t{{.Nope}}", [], IMAGE_HEADER) == (
        "IMAGE ID   <no value>\n"
    )


def test_render_plain_and_json_formats() -> None:
    assert render_format("{{.Repository}}:{{.Tag}}", [IMAGE, IMAGE]) == "app:1\napp:1\n"
    # Formatter contexts marshal through a map: sorted keys, HTML escaped.
    assert render_format("json", [IMAGE]) == (
        '{"CreatedSince":"10 seconds ago","Digest":"\\u003cnone\\u003e","ID":"3f1c5e0a9b2d",'
        '"Repository":"app","Size":"7.81MB","Tag":"1"}\n'
    )
    plain = Struct("types.Config", {"Cmd": ["a && b"], "Env": None})
    assert render_format("{{json .}}", [plain]) == '{"Cmd":["a && b"],"Env":null}\n'


def test_render_errors_have_cli_prefix() -> None:
    with pytest.raises(TemplateError) as err:
        render_format("{{foo}}", [IMAGE])
    assert err.value.message == 'template parsing error: template: :1: function "foo" not defined'
    with pytest.raises(TemplateError) as err:
        render_format("table {{.Nope}}", [IMAGE], IMAGE_HEADER)
    assert err.value.message.startswith("template parsing error: template: :1:2: executing")
