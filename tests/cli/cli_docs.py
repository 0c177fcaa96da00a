"""Keeps the example output in docs/cli.md real.

Every ```console block of docs/cli.md holds commands ("$ ..." lines) each
followed by its output. This module runs the commands from a scratch
directory that sees the repository's examples/ and tests/ (so that files a
command writes land there), with the smartmatch under test first on PATH,
and compares their output (stdout and stderr together) with the text in the
document. Figures that change from run to run (the timing of batch) are
compared as placeholders.

    python3 tests/cli/cli_docs.py PATH/TO/smartmatch           # check
    python3 tests/cli/cli_docs.py PATH/TO/smartmatch --update  # rewrite the outputs in place

tests/cli/test_cli.py runs the check.
"""

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "cli.md"

# Run-dependent figures, and what they are compared as.
VOLATILE = [(re.compile(r"scored in \d+\.\d+ s \([^)]*pairs/s\)"), "scored in T s (R pairs/s)")]


def blocks(text):
    """(start, end) character offsets of the body of each ```console block."""
    for m in re.finditer(r"^```console\n(.*?)^```$", text, flags=re.S | re.M):
        yield m.start(1), m.end(1)


def commands(body):
    """[(command, expected output)] of one block."""
    out = []
    for line in body.splitlines(keepends=True):
        if line.startswith("$ "):
            out.append([line[2:].rstrip("\n"), ""])
        elif out:
            out[-1][1] += line
    return [(c, o) for c, o in out]


def run(cli, command, cwd):
    env = dict(os.environ)
    env["PATH"] = str(Path(cli).resolve().parent) + os.pathsep + env.get("PATH", "")
    env["LC_ALL"] = "C.UTF-8"
    p = subprocess.run(["bash", "-c", "exec 2>&1\n" + command], cwd=cwd, env=env, capture_output=True, timeout=300)
    return p.stdout.decode("utf-8")


def normalise(text):
    for pattern, placeholder in VOLATILE:
        text = pattern.sub(placeholder, text)
    return text


def scratch():
    """A directory in which examples/ and tests/ are those of the repository."""
    tmp = tempfile.TemporaryDirectory()
    for name in ("examples", "tests"):
        os.symlink(ROOT / name, Path(tmp.name) / name)
    return tmp


def check(cli):
    """[(command, expected, actual)] for every command whose output differs."""
    text = DOC.read_text(encoding="utf-8")
    wrong = []
    with scratch() as cwd:
        for start, end in blocks(text):
            for command, expected in commands(text[start:end]):
                actual = run(cli, command, cwd)
                if normalise(actual) != normalise(expected):
                    wrong.append((command, expected, actual))
    return wrong


def update(cli):
    text = DOC.read_text(encoding="utf-8")
    pieces, last = [], 0
    with scratch() as cwd:
        for start, end in blocks(text):
            body = "".join(f"$ {c}\n{run(cli, c, cwd)}" for c, _ in commands(text[start:end]))
            pieces += [text[last:start], body]
            last = end
    pieces.append(text[last:])
    DOC.write_text("".join(pieces), encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    if sys.argv[2:] == ["--update"]:
        update(sys.argv[1])
    else:
        bad = check(sys.argv[1])
        for command, expected, actual in bad:
            print(f"$ {command}\n--- docs/cli.md\n{expected}--- actual\n{actual}")
        sys.exit(1 if bad else 0)
