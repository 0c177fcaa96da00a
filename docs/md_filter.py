#!/usr/bin/env python3
"""Doxygen input filter for the Markdown guides: links to a heading of a page
("[match](#match)", "[x](cli.md#batch)") become plain text or a link to the
page, since this Doxygen makes no anchors from headings; links to files that
are not pages of the HTML (CHANGELOG.md, lib/README.md, ...) become plain
text. Everything else passes unchanged, so the pages read as on a forge."""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = {"README.md", "examples/http/README.md"}

LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]*)\)")


def fix(m):
    text, target = m.group(1), m.group(2)
    if target.startswith("#"):
        return text
    if re.match(r"[a-z]+:", target):
        return m.group(0)
    path = target.split("#", 1)[0]
    rel = os.path.relpath(os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(SRC)), path)), ROOT)
    if rel not in PAGES and not (rel.startswith("docs/") and rel.endswith(".md")):
        return text
    return f"[{text}]({path})"


FENCE = re.compile(r"^(```|~~~)")


def protect_code(text):
    """Doxygen reads a backslash and a letter as a command even inside a
    fenced block (an error message showing "\x01"): doubled, it prints one."""
    out, inside = [], False
    for line in text.splitlines(keepends=True):
        if FENCE.match(line):
            inside = not inside
        elif inside:
            line = re.sub(r"\\(?=[A-Za-z])", r"\\\\", line)
        out.append(line)
    return "".join(out)


SRC = sys.argv[1]
with open(SRC, encoding="utf-8") as f:
    sys.stdout.write(protect_code(LINK.sub(fix, f.read())))
