"""A page read as its reader runs it: one terminal session, one notebook, blocks joined by a hint.

* ``join`` hint: the block is prepended to the next block of the same language; the program keeps
  the page's line numbers (the lines between the blocks are blank lines of it).
* Setup: a shell block whose commands only set the session up (session.toml's ``setup``: exports,
  ``VAR=$(...)``, ``cd``, ``mkdir``, ``cat > f <<EOF``) runs before each later shell sample of the
  page, in page order (``session.sh``, read by bash through BASH_ENV before the sample, every
  assignment exported), and is reported as the setup of those samples.
* ``%%writefile name`` cells: the file is in the project folder of each later sample.
* Every shell sample gets the cloud CLI stand-ins first on PATH (standins.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from ..backends import RunResult
from ..scenario import Body, BodyKind
from . import detect, environment, notebook, numbers, placeholders, standins
from .classify import code_of
from .data import CONTRACT, Data, DocLanguage, DocsError
from .extract import Block
from .numbers import strip_comments
from .scaffold import runnable, shell_script

ASSIGNED = re.compile(r"(?m)^\s*(?:export\s+|declare\s+-x\s+|readonly\s+)?([A-Za-z_]\w*)=")
WRITES = re.compile(r"(?:>>?|\btee\s+(?:-a\s+)?)\s*(?!/dev/)([\w./-]+)")  # the files a setup command writes
HEREDOC = re.compile(r"<<-?\s*(['\"]?)(\w+)\1")
SCRIPT = "session.sh"


@dataclass
class Context:
    """What the page gives one sample before it runs."""

    setup: list[Block] = field(default_factory=list)  # earlier shell setup blocks, in page order
    files: list[tuple[str, str, int]] = field(default_factory=list)  # (name, content, page line)
    addresses: list = field(default_factory=list)  # the service addresses its setup names (placeholders.Found)


def join(blocks: list[Block], language_of) -> list[Block]:
    """The page's blocks with each ``join``-hinted block prepended to the next block of its language."""
    out, taken = [], set()
    for i, block in enumerate(blocks):
        if i in taken:
            continue
        while "join" in block.hints:
            lang = language_of(block)
            later = (k for k in range(i + 1, len(blocks)) if k not in taken)
            nxt = next((k for k in later if language_of(blocks[k]) == lang), None)
            if nxt is None:
                raise DocsError(f"{block.hint_where}: scoring-check hint join: no later {lang or '?'} block to join")
            taken.add(nxt)
            other = blocks[nxt]
            hints = {k: v for k, v in block.hints.items() if k != "join"} | other.hints
            hints["joined"] = f"{hints.get('joined', _lines(block))} and {_lines(other)}"  # for the report's note
            block = replace(other, start=block.start, code=as_one([block, other]), hints=hints,
                            hint_line=block.hint_line or other.hint_line)  # fmt: skip
        out.append(block)
    return out


def as_one(blocks: list[Block]) -> str:
    """The blocks' code as one program that keeps the page's line numbers: the lines between them blank."""
    code, end = "", blocks[0].start - 1
    for block in blocks:
        code, end = code + "\n" * max(block.start - end - 1, 0) + block.code, block.end
    return code


def commands(script: str) -> list[str]:
    """A shell script's commands: continuation lines joined, heredoc bodies left out, split at
    ``&&``, ``||`` and ``;`` outside quotes and ``$(...)``."""
    lines, out, delimiter = script.splitlines(), [], None
    text = ""
    for line in lines:
        if delimiter:
            delimiter = None if line.strip() == delimiter else delimiter
            continue
        text += line
        if text.endswith("\\"):
            text = text[:-1] + " "
            continue
        m = HEREDOC.search(text)
        delimiter = m.group(2) if m else None
        out += _split(text)
        text = ""
    return [c for c in out + _split(text) if c]


def _split(line: str) -> list[str]:
    parts, current, quote, depth, i = [], "", "", 0, 0
    while i < len(line):
        ch, two = line[i], line[i : i + 2]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif two == "$(":
            depth, current, i = depth + 1, current + two, i + 2
            continue
        elif ch == ")" and depth:
            depth -= 1
        elif not depth and (two in ("&&", "||") or ch == ";"):
            parts.append(current.strip())
            current, i = "", i + (2 if two in ("&&", "||") else 1)
            continue
        current += ch
        i += 1
    return [p for p in [*parts, current.strip()] if p]


def is_setup(script: str) -> bool:
    """Every command of the script sets the session up, and there is at least one that is not a comment."""
    if CURL.search(script):  # `PRED=$(curl ...)`, `cat <<EOF | curl -d @-`: a call, never setup
        return False
    found = [c for c in commands(script) if not c.startswith("#")]
    return bool(found) and all(any(p.search(c) for p in standins.table().setup) for c in found)


def _lines(block: Block) -> str:
    return f"page line {block.start}" if block.start == block.end else f"page lines {block.start}-{block.end}"


def sessions(plans: list, classify=None) -> dict[int, Context]:
    """Each runnable block's context (by index); setup and ``%%writefile`` blocks are re-planned as such.

    A setup block that names the service's address (``export URL=http://localhost:8080/...``) is setup
    all the same, and a later curl block that calls it through its variable (``curl $URL``), not a
    program on its own, is one with that setup: planned (``classify``) as the setup and the call together."""
    contexts: dict[int, Context] = {}
    by_page: dict[Path, list[int]] = {}
    for i, plan in enumerate(plans):
        by_page.setdefault(plan.block.page, []).append(i)
    for indexes in by_page.values():
        setup, files = [], []
        for i in indexes:
            plan, block = plans[i], plans[i].block
            shell = plan.language is not None and plan.language.name == "shell"
            written = notebook.writefile(block.code)
            if written:
                plan.runnable, files = False, [*files, (written[0], written[1], block.start)]
                plan.reason = f"writes {written[0]} (%%writefile) for the samples after it"
            elif shell and _not_skipped_by_rule(plan) and is_setup(shell_script(block.code)):
                setup.append(i)
                plan.runnable = False
                plan.reason = f"setup ({_sets(shell_script(block.code))}): no later shell sample on the page uses it"
            elif shell and not plan.runnable and classify and _not_skipped_by_rule(plan):
                _fed(plan, [plans[k] for k in setup], classify)
            if plan.runnable and not written:
                earlier = [plans[k] for k in setup] if shell else []
                addresses = [f for p in earlier for f in (p.found or []) if f.kind == "uri"]
                contexts[i] = Context([p.block for p in earlier], list(files), addresses)
        _say_used(plans, contexts, indexes)
    return contexts


def _fed(plan, setup: list, classify) -> None:
    """A curl block calling ``$VAR`` that an earlier setup block set to the service's address: planned as that
    setup and the call together (which picks the scenario); it runs with the setup as its session."""
    script = shell_script(plan.block.code)
    used = set(re.findall(r"\$\{?([A-Za-z_]\w*)", script))
    addressed = [p for p in setup if any(f.kind == "uri" for f in p.found or [])]
    feeding = [p for p in addressed if used & set(ASSIGNED.findall(p.block.code))]
    if not feeding or not CURL.search(script):
        return
    together = replace(plan.block, start=setup[0].block.start, code=as_one([*(p.block for p in setup), plan.block]))
    planned = classify(together)
    if planned.runnable:
        where = ", ".join(str(p.block.start) for p in feeding)
        plan.runnable, plan.scenario = True, planned.scenario
        plan.reason = f"{planned.reason}; its address set by the setup at page line {where}"


def _not_skipped_by_rule(plan) -> bool:
    """Not skipped by a hint or a rule of detect.toml (a command that runs a program, deployment code)."""
    return "skip" not in plan.block.hints and not detect.skip_rule(code_of(plan.block, plan.language), plan.language)


def _sets(script: str) -> str:
    """What a setup block does to the session: "sets A, B; writes request.json"."""
    names, files = ASSIGNED.findall(script), WRITES.findall(script)
    parts = [
        f"sets {', '.join(dict.fromkeys(names))}" if names else "",
        f"writes {', '.join(dict.fromkeys(files))}" if files else "",
    ]
    return "; ".join(p for p in parts if p) or "changes the session"


def _say_used(plans: list, contexts: dict[int, Context], indexes: list[int]) -> None:
    """A setup block's reason names the samples it ran before."""
    for i in indexes:
        users = [plans[k].block.start for k in indexes if k in contexts and plans[i].block in contexts[k].setup]
        if users:
            head = plans[i].reason.split(":")[0]
            where = ", ".join(map(str, users))
            plural = "s at page lines" if len(users) > 1 else " at page line"
            plans[i].reason = f"{head}: run before the shell sample{plural} {where}"


def contract_values(env: dict[str, str]) -> dict[str, str]:
    """What replaces each kind of placeholder: the first client contract variable of the kind that is set."""
    values = {kind: next((env[v] for v in names if env.get(v)), "") for kind, names in CONTRACT.items()}
    values["host"] = urlsplit(values["uri"]).netloc  # a Host header's value: the stub's host:port
    return values


def prepare(plan, folder: Path, values: dict[str, str], data: Data, notes: list[str]) -> dict[str, str]:
    """The sample's project gets what the page gave it before; returns what its run's environment adds."""
    shell = plan.language.name == "shell"
    if "joined" in plan.block.hints:
        notes.append(f"one program (hint join): {plan.block.hints['joined']}")
    if plan.language.name == "python":
        notebook.python_lines(plan.block.code, notes, plan.block.start)  # the notes on its notebook lines
    notes += write(folder, plan.context or Context(), values, data, shell)
    own = environment.bind(plan.language.name, plan.block.code, values, notes)  # os.Getenv("ENDPOINT_KEY")
    return {**own, "BASH_ENV": SCRIPT} if shell else own


def tools(plan) -> tuple[str, ...]:
    """What a shell sample's commands and its setup's run besides bash and curl (session.toml's tools)."""
    if plan.language.name != "shell":
        return ()
    setup = plan.context.setup if plan.context else []
    return standins.tools("\n".join(b.code for b in [*setup, plan.block]))


SPACE = re.compile(r"\s*")
CURL = re.compile(r"(?m)(?:^|[\s;|&(])curl\s")


def per_command(lang: DocLanguage, code: str, requests: list, run: RunResult, notes: list[str]):
    """A shell sample's expected requests: the scenario's once per curl command of the block; and its
    run, whose stdout is then judged by the last answer printed (the stdout holds one per command)."""
    if lang.name != "shell":
        return requests, run
    text = strip_comments(shell_script(code), lang.quotes, lang.line_comment, lang.block_comment)
    count = len(CURL.findall(text))
    if count < 2:
        return requests, run
    plain = [replace(r, body=Body()) if r.body.kind == BodyKind.JSON else r for r in requests]
    notes.append(f"{count} curl commands: the scenario's requests expected once per command")
    printed, at, decoder = [], SPACE.match(run.stdout).end(), json.JSONDecoder()
    while at < len(run.stdout):
        try:
            value, at = decoder.raw_decode(run.stdout, at)
        except ValueError:
            return requests + plain * (count - 1), run
        printed.append(value)
        at = SPACE.match(run.stdout, at).end()
    if len(printed) == count:
        notes.append(f"stdout: {count} answers printed, one per command; the last is judged as the answer")
        run = replace(run, stdout=json.dumps(printed[-1]))
    return requests + plain * (count - 1), run


def _literals(lang: DocLanguage, code: str, found: list) -> list:
    source = runnable(lang, placeholders.blank(code, found))
    return numbers.literals(strip_comments(source, lang.quotes, lang.line_comment, lang.block_comment))


def written_numbers(plan, data: Data) -> list:
    """The numbers a sample's code writes (numbers.literals), with lines counted from the sample's first line:
    the block's own, else those of the latest setup block (`cat > request.json <<EOF`) or ``%%writefile`` cell
    before it that writes decimal numbers."""
    lang, context, block = plan.language, plan.context or Context(), plan.block
    own = _literals(lang, block.code, plan.found or [])
    earlier = [(b.code, b.start, placeholders.find(b.code, data.placeholders)) for b in context.setup]
    earlier += [(text, line + 1, []) for _, text, line in context.files]  # the cell's content starts after its magic
    if not any(lit.decimal for lit in own):
        for code, start, found in sorted(earlier, key=lambda e: -e[1]):
            written = _literals(lang, code, found)
            if any(lit.decimal for lit in written):
                return [replace(lit, line=lit.line + start - block.start) for lit in written]
    return own


def write(folder: Path, context: Context, values: dict[str, str], data: Data, shell: bool) -> list[str]:
    """The sample's context in its project folder; returns the report's notes about it."""
    notes = []
    for name, content, line in context.files:
        path = (folder / name).resolve()
        if not path.is_relative_to(folder.resolve()):
            notes.append(f"page line {line}: %%writefile {name}: outside the sample's folder, not written")
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        notes.append(f"{name}: written by the %%writefile cell at page line {line}")
    if not shell:
        return notes
    standins.write(folder, values.get("uri", ""), values.get("key", ""))
    body = []
    for block in context.setup:
        found = placeholders.find(block.code, data.placeholders)
        code = placeholders.replace(block.code, found, values)
        body += [f"# {_lines(block)}", shell_script(code).rstrip("\n")]
        notes.append(f"session: the setup at {_lines(block)} ran first (in the same shell, as a reader's terminal)")
    (folder / SCRIPT).write_text(PRELUDE.replace("@SETUP@", "\n".join(body)), encoding="utf-8")
    return notes


# Read by bash (BASH_ENV) before the sample: the stand-ins first on PATH, the setup (every
# assignment exported, `set -e`), then the sample itself in the folder the setup left it in.
PRELUDE = """\
# The page's terminal session before this sample (written by the docs check: harness/docs/session.py).
unset BASH_ENV
__sample="$PWD/sample.sh" __log="$PWD/standins/standins.log"
PATH="$PWD/standins:$PATH"
cd() {  # a folder the reader has (a cloned repository) and this check does not: noted, not fatal
  builtin cd "$@" 2>/dev/null ||
    printf '{"line": "cd %s", "what": "no such folder here: the session stayed in %s"}\\n' "$*" "$PWD" >>"$__log"
}
export HOME="$PWD"  # what the page writes to ~ stays in the sample's folder
set -a  # a failing setup command does not end the session, as in a reader's terminal
@SETUP@
set +a
unset -f cd
exec bash -e "$__sample"
"""
