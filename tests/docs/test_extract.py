"""Pages -> code blocks: line ranges, languages and hints, in Markdown and reStructuredText."""

import pytest

from harness.docs.data import DocsError
from harness.docs.extract import page_format, parse_hint, read_page
from tests.conftest import ROOT

PAGES = ROOT / "tests" / "docs" / "pages"
SEED = PAGES / "seed-consume-web-service.md"


def test_seed_page_blocks_with_their_lines():
    blocks = read_page(SEED)
    got = [(b.start, b.end, b.fence) for b in blocks]
    assert got == [
        (46, 51, "python"),
        (57, 58, "python"),
        (64, 65, "python"),
        (80, 81, "python"),
        (92, 97, "json"),
        (106, 122, "json"),
        (132, 154, "python"),
        (163, 163, "shell"),  # inside a "> [!IMPORTANT]" block quote
        (171, 246, "csharp"),
        (252, 252, "json"),
        (260, 338, "go"),
        (344, 344, "json"),
        (352, 418, "java"),
        (424, 424, "json"),
        (432, 479, "python"),
        (485, 485, "json"),  # written ```JSON
    ]


def test_line_range_points_at_the_code_itself():
    lines = SEED.read_text(encoding="utf-8").splitlines()
    csharp = next(b for b in read_page(SEED) if b.fence == "csharp")
    assert lines[csharp.start - 1] == "using System;"
    assert lines[csharp.end - 1] == "}"
    assert csharp.code.splitlines()[0] == "using System;"


def test_markdown_in_lists_and_hints(tmp_path):
    page = tmp_path / "p.md"
    page.write_text(
        "# Titre\n\n"
        "* Étape un :\n\n"
        "    ```go\n    package main\n    ```\n\n"
        "<!-- scoring-check: scenario=json-no-auth -->\n"
        "```py\nimport requests\n```\n"
        '<!-- scoring-check: skip="besoin d\'un GPU" -->\n\n'
        "~~~python\nprint(1)\n~~~\n",
        encoding="utf-8",
    )
    blocks = read_page(page)
    assert [(b.start, b.end, b.fence, b.hints) for b in blocks] == [
        (6, 6, "go", {}),
        (11, 11, "py", {"scenario": "json-no-auth"}),
        (16, 16, "python", {"skip": "besoin d'un GPU"}),  # a blank line between hint and block is fine
    ]
    assert blocks[0].code == "package main\n"  # the list's indentation is not part of the code
    assert blocks[1].hint_line == 9


def test_hint_must_be_followed_by_a_block(tmp_path):
    page = tmp_path / "p.md"
    page.write_text("<!-- scoring-check: skip -->\n\nSome prose.\n\n```py\nx\n```\n", encoding="utf-8")
    with pytest.raises(DocsError, match=r"p\.md:1: scoring-check hint is not followed by a code block"):
        read_page(page)


def test_unknown_hint_is_an_error_naming_the_line(tmp_path):
    page = tmp_path / "p.md"
    page.write_text("intro\n\n<!-- scoring-check: scenaro=json-key -->\n```py\nx\n```\n", encoding="utf-8")
    with pytest.raises(DocsError, match=r"p\.md:3: unknown scoring-check hint 'scenaro'"):
        read_page(page)


def test_hint_syntax():
    assert parse_hint(' skip="needs a GPU", scenario=json-key', "p:1") == {
        "skip": "needs a GPU",
        "scenario": "json-key",
    }
    assert parse_hint("run body=any", "p:1") == {"run": "", "body": "any"}
    with pytest.raises(DocsError, match="empty scoring-check hint"):
        parse_hint("  ", "p:1")


def test_rst_page_in_chinese():
    blocks = read_page(PAGES / "zhongwen.rst")
    got = [(b.start, b.end, b.info, b.literal, b.highlight, b.hints) for b in blocks]
    assert got == [
        (15, 26, "python", False, "", {"scenario": "json-key"}),  # options (:caption:, :linenos:) skipped
        (32, 32, "json", False, "", {}),
        (36, 36, "", True, "", {}),  # "也可以使用 curl::"
        (42, 42, "", True, "python", {}),  # after ".. highlight:: python"
        (48, 49, "python", False, "python", {"skip": "需要 GPU 集群"}),
    ]
    lines = (PAGES / "zhongwen.rst").read_text(encoding="utf-8").splitlines()
    for b in blocks:
        assert lines[b.start - 1].strip() == b.code.splitlines()[0].strip()
        assert lines[b.end - 1].strip() == b.code.splitlines()[-1].strip()


def test_rst_nested_literal_blocks(tmp_path):
    page = tmp_path / "p.rst"
    page.write_text(
        "Title\n=====\n\n.. note::\n\n   Nested::\n\n       import os\n       print(os)\n\n"
        "#. Item\n\n   .. sourcecode:: go\n      :emphasize-lines: 1\n\n      package main\n",
        encoding="utf-8",
    )
    got = [(b.start, b.end, b.info, b.literal) for b in read_page(page)]
    assert got == [(8, 9, "", True), (16, 16, "go", False)]


def test_page_format_by_name_then_content(tmp_path):
    assert page_format(tmp_path / "a.rst", "```py\n```") == "rst"
    assert page_format(tmp_path / "a.md", ".. code-block:: py") == "markdown"
    assert page_format(tmp_path / "a.txt", "text\n\n```py\nx\n```\n") == "markdown"  # like the seed page
    assert page_format(tmp_path / "a.txt", "Para::\n\n    x\n") == "rst"


def test_missing_page_is_one_line_error(tmp_path):
    with pytest.raises(DocsError, match=r"nope\.md: no such page"):
        read_page(tmp_path / "nope.md")
