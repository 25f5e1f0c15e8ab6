"""A documentation page -> its code blocks, each with its lines in the page and its hints.

Markdown is read with markdown-it-py (CommonMark: fenced and indented blocks,
also inside lists and block quotes), reStructuredText with docutils
(``.. code-block::``, ``.. code::``, ``.. sourcecode::`` with any options, ``::``
literal blocks and ``.. highlight::``), published HTML with the standard
library (``htmlpage.py``: each ``<pre>``).  Line numbers are the page's,
1-based, of the first and last line of code.  Prose is never interpreted: a
page in any language reads the same.  A block's label (fence info, directive
argument, HTML class) is kept as written; what it means, and what an
unlabelled block is, is ``detect.py``'s business.

A maintainer's hint goes just before a block::

    <!-- scoring-check: scenario=json-no-auth -->      Markdown, HTML
    .. scoring-check: skip="needs a GPU"               reStructuredText

``join`` prepends the block to the next block of its language (session.py): a body in one block,
its call in the next, run as one program.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from .data import DocsError

HINT_KEYS = {"skip", "scenario", "language", "run", "body", "tolerance", "join"}
HINT = re.compile(r"^\s*scoring-check\s*:(?P<text>.*)$", re.S)
FORMATS = ("markdown", "rst", "html")


@dataclass
class Block:
    page: Path
    start: int  # page line of the first line of code (1-based)
    end: int  # page line of the last line of code
    info: str  # the fence's info string or the directive's argument, as written ("" for a `::` block)
    code: str
    hints: dict[str, str] = field(default_factory=dict)
    literal: bool = False  # a reST `::` block or an indented Markdown block: no label of its own
    highlight: str = ""  # reST: the page's `.. highlight::` language in effect
    hint_line: int = 0  # the page line of its scoring-check hint, if any
    source: str = "fence"  # fence | indented | directive | literal | html: what the page writes it as

    @property
    def hint_where(self) -> str:
        """Where to point at for a problem with the block's hint."""
        return f"{self.page}:{self.hint_line or self.start}"

    @property
    def fence(self) -> str:
        """The language word: the info string's first word, lower case."""
        return (self.info.split() or [""])[0].lower().strip("{}.")


def parse_hint(text: str, where: str) -> dict[str, str]:
    """``skip``, ``skip="why"``, ``scenario=NAME``, ``language=NAME``, ``run``, ``body=any``, ``tolerance=T``,
    ``join``."""
    try:
        words = shlex.split(text.replace(",", " "))
    except ValueError as exc:
        raise DocsError(f"{where}: scoring-check hint: {exc}") from None
    hints = {}
    for word in words:
        key, _, value = word.partition("=")
        if key not in HINT_KEYS:
            raise DocsError(f"{where}: unknown scoring-check hint {key!r}; known: {', '.join(sorted(HINT_KEYS))}")
        hints[key] = value
    if not hints:
        raise DocsError(f"{where}: empty scoring-check hint")
    return hints


def page_format(path: Path, text: str) -> str:
    suffix = path.suffix.lower()
    if suffix in (".md", ".markdown", ".mdx"):
        return "markdown"
    if suffix in (".rst", ".rest"):
        return "rst"
    if suffix in (".html", ".htm", ".xhtml") or re.match(r"(?is)\s*(?:<!doctype\s+html|<html[\s>])", text):
        return "html"
    if re.search(r"(?m)^\s*(?:>\s*)*(?:```|~~~)", text):
        return "markdown"
    if re.search(r"(?m)^\.\. (?:code-block|code|sourcecode|highlight)::|::\s*$", text):
        return "rst"
    return "markdown"


def read_page(path: Path, fmt: str | None = None) -> list[Block]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DocsError(f"{path}: no such page") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DocsError(f"{path}: cannot read the page: {exc}") from None
    fmt = fmt or page_format(path, text)
    if fmt == "html":
        from .htmlpage import html_blocks

        return html_blocks(path, text)
    return markdown_blocks(path, text) if fmt == "markdown" else rst_blocks(path, text)


def not_followed(path: Path, line: int) -> DocsError:
    return DocsError(f"{path}:{line}: scoring-check hint is not followed by a code block")


# -- Markdown ------------------------------------------------------------------
MD_HINT = re.compile(r"<!--\s*(scoring-check\s*:.*?)-->", re.S)
_RESETS = {"paragraph_open", "heading_open", "table_open", "hr"}
_QUOTE = r"[ ]{0,3}>(?:[ ]?>)*[ ]?"  # a block quote's markers at the start of a line
_QUOTED_FENCE = re.compile(rf"^(?P<quote>{_QUOTE})[ ]{{0,3}}(?P<fence>`{{3,}}(?!.*`)|~{{3,}}).*$")


def requote_fences(text: str) -> str:
    """The page with the `>` of a block quote put back on the lines of a fenced block whose fence
    lines have it and whose code lines do not (pasted code): so the block is read whole, its code
    as the page has it.  Line numbers are unchanged; a `>` inside a line of code is code."""
    lines = text.splitlines(keepends=True)
    i = 0
    while i < len(lines):
        m = _QUOTED_FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        char, width, quote = m["fence"][0], len(m["fence"]), m["quote"]
        close = re.compile(rf"^{re.escape(quote.rstrip())}[ ]*{re.escape(char)}{{{width},}}[ \t]*$")
        end = next((k for k in range(i + 1, len(lines)) if close.match(lines[k].rstrip("\r\n"))), None)
        if end is None or any(_QUOTED_FENCE.match(line) for line in lines[i + 1 : end]):
            i += 1  # not closed, or another quoted block opens first: CommonMark's reading stands
            continue
        for k in range(i + 1, end):
            if not lines[k].lstrip().startswith(">"):
                lines[k] = (quote if lines[k].strip() else quote.rstrip()) + lines[k]
        i = end + 1
    return "".join(lines)


def markdown_blocks(path: Path, text: str) -> list[Block]:
    from markdown_it import MarkdownIt

    blocks: list[Block] = []
    pending: tuple[dict, int] | None = None  # a hint waiting for its block, and its line
    for token in MarkdownIt("commonmark").parse(requote_fences(text)):
        if token.type == "html_block" and MD_HINT.search(token.content):
            line = token.map[0] + 1
            if pending:
                raise not_followed(path, pending[1])
            hint_text = HINT.match(MD_HINT.search(token.content).group(1)).group("text")
            pending = (parse_hint(hint_text, f"{path}:{line}"), line)
        elif token.type in ("fence", "code_block"):
            fenced = token.type == "fence"
            start = token.map[0] + (2 if fenced else 1)
            hints, hint_line = pending if pending else ({}, 0)
            end = start + len(token.content.splitlines()) - 1
            source = "fence" if fenced else "indented"
            block = Block(path, start, end, token.info.strip(), token.content, hints, not fenced, "", hint_line, source)
            blocks.append(block)
            pending = None
        elif token.type in _RESETS and pending:
            raise not_followed(path, pending[1])
    if pending:
        raise not_followed(path, pending[1])
    return blocks


# -- reStructuredText -------------------------------------------------------------
def _docutils():
    """docutils with permissive code directives (Sphinx's options are accepted and ignored)."""
    from docutils import nodes
    from docutils.parsers.rst import Directive, directives

    class AnyOptions(dict):
        def __bool__(self) -> bool:
            return True

        def __contains__(self, key: object) -> bool:
            return True

        def __getitem__(self, key: str):
            return directives.unchanged

    class CodeBlock(Directive):
        has_content = True
        optional_arguments = 1
        final_argument_whitespace = True
        option_spec = AnyOptions()

        def run(self):
            text = "\n".join(self.content)
            node = nodes.literal_block(text, text)
            node["scoring_language"] = self.arguments[0] if self.arguments else ""
            node["scoring_line"] = self.content_offset + 1
            return [node]

    class Highlight(Directive):
        required_arguments = 1
        option_spec = AnyOptions()

        def run(self):
            node = nodes.comment("", "")
            node["scoring_highlight"] = self.arguments[0]
            return [node]

    for name in ("code-block", "sourcecode", "code"):
        directives.register_directive(name, CodeBlock)
    directives.register_directive("highlight", Highlight)
    return nodes


def _locate(lines: list[str], code: str, near: int) -> int:
    """The page line where code starts, searched around docutils' line (which can be off by a few)."""
    want = [ln.strip() for ln in code.splitlines()]
    if not want:
        return near
    candidates = []
    for i in range(max(0, near - 6), min(len(lines), near + 6 + len(want))):
        if lines[i].strip() == want[0] and [ln.strip() for ln in lines[i : i + len(want)]] == want:
            candidates.append(i + 1)
    return min(candidates, key=lambda n: abs(n - near)) if candidates else near


def rst_blocks(path: Path, text: str) -> list[Block]:
    nodes = _docutils()
    from docutils.core import publish_doctree

    settings = {
        "report_level": 5,
        "halt_level": 5,
        "warning_stream": False,
        "file_insertion_enabled": False,
        "raw_enabled": False,
        "input_encoding": "unicode",
    }
    doc = publish_doctree(text, source_path=str(path), settings_overrides=settings)
    lines = text.splitlines()
    blocks: list[Block] = []
    highlight = ""
    pending: tuple[dict, int] | None = None
    wanted = (nodes.comment, nodes.literal_block, nodes.paragraph, nodes.title)
    for node in doc.findall(lambda n: isinstance(n, wanted)):
        if isinstance(node, nodes.comment):
            if "scoring_highlight" in node:
                highlight = node["scoring_highlight"]
            m = HINT.match(node.astext())
            if m:
                line = _locate(lines, ".. " + node.astext().splitlines()[0], node.line or 1)
                if pending:
                    raise not_followed(path, pending[1])
                pending = (parse_hint(m.group("text"), f"{path}:{line}"), line)
        elif isinstance(node, nodes.literal_block):
            code = node.astext()
            literal = "scoring_language" not in node
            start = _locate(lines, code, node.get("scoring_line") or node.line or 1)
            hints, hint_line = pending if pending else ({}, 0)
            info = "" if literal else node["scoring_language"]
            end = start + len(code.splitlines()) - 1
            source = "literal" if literal else "directive"
            blocks.append(Block(path, start, end, info, code + "\n", hints, literal, highlight, hint_line, source))
            pending = None
        elif pending and not isinstance(node.parent, nodes.literal_block):
            raise not_followed(path, pending[1])
    if pending:
        raise not_followed(path, pending[1])
    return blocks
