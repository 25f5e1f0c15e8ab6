"""``python -m harness docs check PAGE...``: the command's handler (the check itself is check.py)."""

from __future__ import annotations

import argparse
import os

from rich.console import Console
from rich.markup import escape

from ..options import backend_options, names, output_formats
from ..redact import Redactor
from . import annotations, data, sarif
from . import check as checking
from . import report as docs_report


def check(args: argparse.Namespace, console: Console) -> int:
    loaded = data.load(args.placeholders)
    options = checking.Options(
        backend=args.backend,
        backend_options=backend_options(args, lambda m: console.print(f"[dim]{args.backend}: {escape(m)}[/]")),
        results_dir=args.results.resolve(),
        jobs=args.jobs or os.cpu_count() or 1,
        languages=names(args.language),
        run_timeout=args.run_timeout,
        page_format=args.page_format,
        fail_on=args.fail_on or [],
    )
    redactor = Redactor()
    progress = lambda sample, message: console.print(f"[dim]{escape(sample)}:[/] {escape(message)}")  # noqa: E731
    run = checking.check(args.pages, loaded, options, redactor, progress)
    doc = docs_report.to_json(run, redactor)
    written = docs_report.write(doc, options.results_dir, output_formats(args), {"sarif": sarif.text(doc)})
    docs_report.print_report(doc, console, written)
    if annotations.wanted(args.annotations):
        print("\n".join(annotations.commands(doc)), flush=True)
    return 0 if run.ok else 1
