"""The syntax tree of a POSIX shell script: what the parser builds and the interpreter walks."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Lit:
    """Literal text; `quoted` text is neither split nor globbed."""

    text: str
    quoted: bool = False


@dataclass(frozen=True, slots=True)
class Param:
    """`$name` or `${name<op>arg}`; `op` is "" for a plain reference, "#len" for `${#name}`."""

    name: str
    quoted: bool
    op: str = ""
    arg: Word | None = None


@dataclass(frozen=True, slots=True)
class CmdSub:
    body: Node
    quoted: bool


@dataclass(frozen=True, slots=True)
class Arith:
    expr: Word
    quoted: bool


@dataclass(frozen=True, slots=True)
class Tilde:
    """A leading `~` or `~user`."""

    user: str


Part = Lit | Param | CmdSub | Arith | Tilde


@dataclass(frozen=True, slots=True)
class Word:
    parts: tuple[Part, ...]

    @property
    def literal(self) -> str | None:
        """The word's text when it is plain unquoted literal text (reserved words, names)."""
        if len(self.parts) == 1 and isinstance(self.parts[0], Lit) and not self.parts[0].quoted:
            return self.parts[0].text
        return None


@dataclass(frozen=True, slots=True)
class Redir:
    fd: int
    op: str
    """One of > >> < >| <> >& <& << <<-."""
    target: Word


@dataclass(frozen=True, slots=True)
class Simple:
    assigns: tuple[tuple[str, Word], ...]
    words: tuple[Word, ...]
    redirs: tuple[Redir, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Pipeline:
    cmds: tuple[Node, ...]
    negate: bool


@dataclass(frozen=True, slots=True)
class AndOr:
    first: Node
    rest: tuple[tuple[str, Node], ...]


@dataclass(frozen=True, slots=True)
class Seq:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Subshell:
    body: Node
    redirs: tuple[Redir, ...] = ()


@dataclass(frozen=True, slots=True)
class Group:
    body: Node
    redirs: tuple[Redir, ...] = ()


@dataclass(frozen=True, slots=True)
class If:
    branches: tuple[tuple[Node, Node], ...]
    else_: Node | None
    redirs: tuple[Redir, ...] = ()


@dataclass(frozen=True, slots=True)
class For:
    var: str
    words: tuple[Word, ...] | None
    body: Node
    redirs: tuple[Redir, ...] = ()


@dataclass(frozen=True, slots=True)
class While:
    cond: Node
    body: Node
    until: bool
    redirs: tuple[Redir, ...] = ()


@dataclass(frozen=True, slots=True)
class Case:
    word: Word
    items: tuple[tuple[tuple[Word, ...], Node], ...]
    redirs: tuple[Redir, ...] = ()


@dataclass(frozen=True, slots=True)
class FuncDef:
    name: str
    body: Node


Node = Simple | Pipeline | AndOr | Seq | Subshell | Group | If | For | While | Case | FuncDef
