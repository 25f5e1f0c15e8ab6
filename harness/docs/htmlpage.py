"""A published HTML page -> its code blocks, like a Markdown page's: each ``<pre>`` is one block.

Read with the standard library's ``html.parser``.  A block's label is the language its
classes name: ``<code class="lang-python">``, ``class="language-python"`` (Prism, highlight.js),
``<pre class="sourceCode python">`` (pandoc), ``<div class="highlight-python">`` around the
``<pre>`` (Sphinx), ``highlight-source-python`` (GitHub), ``brush: python``; none is a block with
no label (its content decides, ``detect.py``).  The code is the text of the ``<pre>``, entities
unescaped, tags inside it (highlighting spans) left out; its first line is the page line where
that text starts (a newline just after ``<pre>`` or ``<code>`` is not code, as browsers show it).
A hint is an HTML comment before the block: ``<!-- scoring-check: skip -->``.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from .extract import HINT, MD_HINT, Block, not_followed, parse_hint

LANG_CLASS = re.compile(
    r"(?:^|\s)(?:(?:lang|language|highlight(?:-source)?)-(?P<a>[\w#+.-]+)|brush:\s*(?P<b>[\w#+.-]+)"
    r"|sourceCode\s+(?!sourceCode\b)(?P<c>[\w#+.-]+))",
    re.I,
)
RESETS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "hr"}  # prose between a hint and its block
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def label_of(classes: list[str]) -> str:
    """The language the first of these class attributes that names one names, or ""."""
    for value in classes:
        m = LANG_CLASS.search(value)
        if m:
            return (m["a"] or m["b"] or m["c"]).lower()
    return ""


class _Pages(HTMLParser):
    def __init__(self, path: Path):
        super().__init__(convert_charrefs=True)
        self.path = path
        self.blocks: list[Block] = []
        self.open: list[tuple[str, str]] = []  # enclosing elements: (tag, class)
        self.pre: dict | None = None  # the <pre> being read: its classes, text and first line
        self.pending: tuple[dict, int] | None = None

    def _after_tag(self) -> int:
        """The page line just after the start tag being handled."""
        return self.getpos()[0] + (self.get_starttag_text() or "").count("\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        cls = dict(attrs).get("class") or ""
        if self.pre is not None:
            if tag == "code" and not "".join(self.pre["text"]).strip():  # <pre><code class=...>
                self.pre.update(text=[], line=self._after_tag(), classes=[cls, *self.pre["classes"]])
            return
        if tag == "pre":
            outer = [c for _, c in reversed(self.open)]
            self.pre = {"text": [], "line": self._after_tag(), "classes": [cls, *outer]}
        elif tag in RESETS and self.pending:
            raise not_followed(self.path, self.pending[1])
        if tag not in VOID:
            self.open.append((tag, cls))

    def handle_endtag(self, tag: str) -> None:
        if self.pre is not None:
            if tag != "pre":
                return  # a highlighting span
            self._block()
        if any(t == tag for t, _ in self.open):
            while self.open.pop()[0] != tag:  # close up to the matching element (HTML allows unclosed ones)
                pass

    def handle_data(self, data: str) -> None:
        if self.pre is not None:
            self.pre["text"].append(data)

    def handle_comment(self, data: str) -> None:
        m = MD_HINT.search(f"<!--{data}-->")
        if self.pre is None and m:
            line = self.getpos()[0]
            if self.pending:
                raise not_followed(self.path, self.pending[1])
            text = HINT.match(m.group(1)).group("text")
            self.pending = (parse_hint(text, f"{self.path}:{line}"), line)

    def _block(self) -> None:
        pre, self.pre = self.pre, None
        code, start = "".join(pre["text"]), pre["line"]
        if code.startswith("\n"):
            code, start = code[1:], start + 1
        code = code.rstrip()
        if not code.strip():
            return
        hints, hint_line = self.pending if self.pending else ({}, 0)
        self.pending = None
        end, label = start + code.count("\n"), label_of(pre["classes"])
        self.blocks.append(Block(self.path, start, end, label, code + "\n", hints, hint_line=hint_line, source="html"))


def html_blocks(path: Path, text: str) -> list[Block]:
    parser = _Pages(path)
    parser.feed(text)
    parser.close()
    if parser.pre is not None:  # a <pre> never closed: its text up to the end of the page
        parser._block()
    if parser.pending:
        raise not_followed(path, parser.pending[1])
    return parser.blocks
