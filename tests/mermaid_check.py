#!/usr/bin/env python3
"""Checks every ```mermaid block of Markdown files with real Mermaid (mermaid.js 11.x, bundled by
the `mermaidx` package from PyPI): a block that does not parse or render fails the check.

    python3 tests/mermaid_check.py FILE...

FILE is Markdown, or an insta snapshot (`.snap`: the Markdown after its front matter), so that the
snapshots of tests/report_markdown.rs -- every kind of report, hostile names included -- are checked
as they are. Exits 0 when every block renders, 1 when one does not, 2 on bad usage (no file, or
no block at all: a check that checks nothing must not pass).

Setup (once):
    python3 -m venv /tmp/mermaid-venv && /tmp/mermaid-venv/bin/pip install -q mermaidx==0.10.1
    /tmp/mermaid-venv/bin/python tests/mermaid_check.py tests/snapshots/report_markdown__*.snap
"""

import multiprocessing
import os
import re
import sys
from concurrent.futures import ProcessPoolExecutor

FENCE = re.compile(r"^(`{3,})mermaid[ \t]*\n(.*?)^\1[ \t]*$", re.M | re.S)


def markdown_of(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if path.endswith(".snap"):
        # insta: "---\n<yaml>\n---\n<content>"
        parts = text.split("\n---\n", 1)
        if text.startswith("---\n") and len(parts) == 2:
            text = parts[1]
    return text


def check(source: str) -> str | None:
    """None when the block renders to a chart; else why not. Runs in a worker process."""
    import mermaidx

    try:
        svg = mermaidx.render(source).svg()
    except Exception as err:  # mermaidx raises RuntimeError with Mermaid's own message
        return str(err).strip()
    if "Syntax error" in svg or "<svg" not in svg:
        return "Mermaid drew an error diagram"
    if "xychart" in source and 'class="plot"' not in svg:
        return "no plot in the rendered chart"
    return None


def main(paths: list[str]) -> int:
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        import mermaidx  # noqa: F401
    except ImportError:
        print("mermaid_check: the `mermaidx` package is missing (pip install mermaidx)", file=sys.stderr)
        return 2
    blocks = []  # (path, index, line, source)
    for path in paths:
        text = markdown_of(path)
        for index, match in enumerate(FENCE.finditer(text), start=1):
            line = text.count("\n", 0, match.start()) + 1
            blocks.append((path, index, line, match.group(2)))
    if not blocks:
        print("mermaid_check: no ```mermaid block in the files given", file=sys.stderr)
        return 2
    # Loading mermaid.js is most of the cost of a render: one process per core.
    workers = max(1, min(len(blocks), os.cpu_count() or 1))
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        errors = list(pool.map(check, [block[3] for block in blocks]))
    failed = 0
    for (path, index, line, _), error in zip(blocks, errors):
        if error is not None:
            failed += 1
            message = error.replace("\n", "\n    ")
            print(f"FAIL {path}: mermaid block {index} (line {line}):\n    {message}")
    print(f"mermaid: {len(blocks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
