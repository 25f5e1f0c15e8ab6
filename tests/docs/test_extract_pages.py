"""More kinds of pages and blocks: indented Markdown blocks, fences in block quotes, published HTML."""

import pytest

from harness.docs.data import DocsError
from harness.docs.extract import page_format, read_page, requote_fences
from harness.docs.htmlpage import label_of
from tests.docs.test_extract import PAGES


def line_of(page, text: str, after: int = 0) -> int:
    """The page line (1-based) of the first line after `after` that contains text."""
    lines = page.read_text(encoding="utf-8").splitlines()
    return next(i + 1 for i, line in enumerate(lines) if i + 1 > after and text in line)


def write(tmp_path, name: str, text: str):
    page = tmp_path / name
    page.write_text(text, encoding="utf-8")
    return page


def test_indented_markdown_block_is_a_block_with_its_lines(tmp_path):
    page = write(tmp_path, "p.md", "Intro.\n\n<!-- scoring-check: run -->\n\n    import os\n      print(os)\n\nEnd.\n")
    [block] = read_page(page)
    assert (block.start, block.end, block.info, block.literal, block.source) == (5, 6, "", True, "indented")
    assert block.code == "import os\n  print(os)\n" and block.hints == {"run": ""}


def test_fence_in_a_block_quote_whose_code_lines_lost_the_marker(tmp_path):
    code = "import requests\n\nr = request.post('<scoring-uri>', headers={'Content-Type': 'application/> json'})\n"
    text = f"> [!TIP]\n> Post the bytes:\n>\n> ```python\n{code}> ```\n\nAfter.\n"
    [block] = read_page(write(tmp_path, "p.md", text))
    assert (block.start, block.end, block.fence) == (5, 7, "python")
    assert block.code == code  # as the page has it: the `>` pasted inside the string stays


def test_fully_quoted_and_nested_quoted_fences(tmp_path):
    text = "> ```python\n> a = '> b'\n> ```\n\n> > ~~~\n> > x = 1\n    y = 2\n> > ~~~\n"
    blocks = read_page(write(tmp_path, "p.md", text))
    assert [(b.start, b.end, b.code) for b in blocks] == [(2, 2, "a = '> b'\n"), (6, 7, "x = 1\n    y = 2\n")]


@pytest.mark.parametrize(
    "text",
    [
        "> ```python\n> x = 1\n\nProse after the quote.\n",  # never closed in the quote: CommonMark's reading
        "> ```\n> a\n\nProse.\n\n> ```python\n> b\n> ```\n",  # another quoted block opens first
        "```python\n> not a quote\n```\n",  # a fence outside any quote
    ],
)
def test_requote_leaves_other_pages_as_they_are(text):
    assert requote_fences(text) == text


def test_requote_keeps_line_count():
    text = "> ```\na\n\n  b\n> ```\n"
    out = requote_fences(text)
    assert out == "> ```\n> a\n>\n>   b\n> ```\n" and out.count("\n") == text.count("\n")


def test_quoted_page_blocks():
    page = PAGES / "quoted.md"
    blocks = read_page(page)
    call = "resp = request.post("
    first, second = line_of(page, "import requests"), line_of(page, "> import requests")
    answer = line_of(page, "> [217")
    assert [(b.start, b.fence) for b in blocks] == [(first, "python"), (second, "python"), (answer, "")]
    for b, at in zip(blocks, (first, second)):
        assert b.code.startswith("import requests\n") and ">" not in b.code.splitlines()[0]
        assert line_of(page, call, at) == b.start + next(i for i, ln in enumerate(b.code.splitlines()) if call in ln)
        assert "'application/> octet-stream'" in b.code


# -- HTML ----------------------------------------------------------------------------------------
def test_published_html_page_blocks():
    page = PAGES / "published.html"
    blocks = read_page(page)
    assert [(b.fence, b.source) for b in blocks] == [
        ("python", "html"),  # <code class="lang-python">
        ("json", "html"),  # <pre class="language-json">
        ("bash", "html"),  # Sphinx: <div class="highlight-bash"><div class="highlight"><pre>
        ("", "html"),  # <pre> with no class: its content decides
        ("python", "html"),  # pandoc: <pre class="sourceCode python">, after a skip hint
    ]
    python, _, curl, go, tip = blocks
    assert python.start == line_of(page, "lang-python") and python.code.startswith("import requests\n")
    assert 'scoring_uri = "<scoring-uri>"' in python.code and "'Content-Type': 'application/json'" in python.code
    assert curl.code.startswith('curl -s -X POST "<scoring-uri>" \\\n') and "<span" not in curl.code
    assert go.start == line_of(page, "package main")  # the newline just after <pre> is not code
    assert go.end == line_of(page, "}", line_of(page, "fmt.Println"))
    assert tip.hints == {"skip": "shows the answer of another model"}
    assert tip.hint_line == line_of(page, "scoring-check")
    for b in blocks:
        assert b.end - b.start + 1 == len(b.code.splitlines())


def test_html_hint_must_be_followed_by_a_block(tmp_path):
    page = write(tmp_path, "p.html", "<html><body>\n<!-- scoring-check: skip -->\n<p>Prose</p>\n<pre>x</pre>\n")
    with pytest.raises(DocsError, match=r"p\.html:2: scoring-check hint is not followed by a code block"):
        read_page(page)
    ok = write(tmp_path, "q.html", "<html><body>\n<!-- scoring-check: skip -->\n<pre>x</pre>\n")
    assert read_page(ok)[0].hints == {"skip": ""}


def test_html_entities_tags_and_odd_pages(tmp_path):
    text = (
        "<html><body>\n<pre><code class='hljs language-python'>\nprint(&quot;a &amp; b&quot; if 1 &lt; 2 else 0)"
        "<br>\n</code></pre>\n<p>Inline <code>x = 1</code> is not a block.</p>\n<pre>   </pre>\n<pre>unclosed\n"
    )
    blocks = read_page(write(tmp_path, "p.htm", text))
    assert [(b.start, b.fence, b.code) for b in blocks] == [
        (3, "python", 'print("a & b" if 1 < 2 else 0)\n'),
        (7, "", "unclosed\n"),  # a <pre> never closed: its text up to the end of the page
    ]


@pytest.mark.parametrize(
    "classes, label",
    [
        (["lang-csharp"], "csharp"),
        (["hljs language-go"], "go"),
        (["brush: java;"], "java"),
        (["sourceCode python"], "python"),
        (["", "highlight-source-shell"], "shell"),
        (["highlight", "highlight-console notranslate"], "console"),
        (["notranslate", "content"], ""),  # classes that name no language
    ],
)
def test_html_language_classes(classes, label):
    assert label_of(classes) == label


def test_page_format_html(tmp_path):
    assert page_format(tmp_path / "a.html", "") == "html"
    assert page_format(tmp_path / "a.HTM", "") == "html"
    assert page_format(tmp_path / "a.txt", "<!DOCTYPE html>\n<html>```py\n") == "html"
    assert page_format(tmp_path / "a.txt", "Some <b>bold</b> text.\n\n```py\nx\n```\n") == "markdown"
