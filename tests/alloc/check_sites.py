#!/usr/bin/env python3
"""Every allocation site of the library is failed by some test.

Lists the allocating calls in lib/ (outside base/, whose functions are the
allocation layer itself) from the source, reads the log the tests wrote in a
build configured with -Dalloc_sites=true (tests/support/test_util.c appends
"R file:line" for a site a test allocator reached and "F file:line" for one it
failed), and prints how many sites there are, how many the tests reached and
how many they failed. Fails when a site was never reached or reached but
never failed, naming each, unless tests/alloc/exempt.txt lists it with the
reason.

usage: check_sites.py LOG [LIB_DIR]
"""
import os
import re
import sys

CALL = re.compile(r"\bsm__(malloc|calloc|realloc|strdup|grow|boxed_alloc|arena_alloc|arena_strdup|hmap_reserve|hmap_grown)\s*\(")
COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)


def strip_comments(text):
    return COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)


def source_sites(lib):
    sites = []  # (file, first line, last line, function called)
    for dirpath, _, names in os.walk(lib):
        rel_dir = os.path.relpath(dirpath, lib).replace(os.sep, "/")
        if rel_dir == "base" or rel_dir.startswith("base/"):
            continue
        for name in sorted(names):
            if not name.endswith(".c"):
                continue
            path = os.path.join(dirpath, name)
            rel = "lib/" + os.path.relpath(path, lib).replace(os.sep, "/")
            text = strip_comments(open(path, encoding="utf-8").read())
            for m in CALL.finditer(text):
                first = text.count("\n", 0, m.start()) + 1
                depth, i = 0, m.end() - 1
                while i < len(text):
                    if text[i] == "(":
                        depth += 1
                    elif text[i] == ")":
                        depth -= 1
                        if depth == 0:
                            break
                    i += 1
                last = text.count("\n", 0, i) + 1
                sites.append((rel, first, last, "sm__" + m.group(1)))
    return sites


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    log = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    lib = sys.argv[2] if len(sys.argv) > 2 else os.path.normpath(os.path.join(here, "..", "..", "lib"))
    sites = source_sites(lib)
    seen = {}
    if os.path.exists(log):
        for line in open(log, encoding="utf-8"):
            parts = line.split()
            if len(parts) != 2:
                continue
            flag, where = parts
            file, _, no = where.rpartition(":")
            key = (file, int(no) if no.isdigit() else 0)
            seen[key] = seen.get(key, "R") if flag == "R" else "F"
    exempt = {}
    exempt_path = os.path.join(here, "exempt.txt")
    if os.path.exists(exempt_path):
        for line in open(exempt_path, encoding="utf-8"):
            line = line.strip()
            if line and not line.startswith("#"):
                where, _, why = line.partition(" ")
                exempt[where] = why.strip()
    by_file = {}
    for key, flag in seen.items():
        by_file.setdefault(key[0], []).append((key[1], flag))
    reached = failed = 0
    unreached, unfailed = [], []
    for file, first, last, fn in sites:
        flags = [f for (no, f) in by_file.get(file, []) if first <= no <= last]
        name = f"{file}:{first}"
        if flags:
            reached += 1
        if "F" in flags:
            failed += 1
        elif name in exempt:
            continue
        elif flags:
            unfailed.append(f"{name} ({fn})")
        else:
            unreached.append(f"{name} ({fn})")
    unknown = sum(1 for (file, _) in seen if file == "?")
    print(f"allocation sites: {len(sites)} in the source, {reached} reached by the tests, {failed} failed"
          + (f", {len(exempt)} exempt" if exempt else "")
          + (f"; {unknown} unmarked allocation(s) seen" if unknown else ""))
    if unreached:
        print(f"never reached by an allocation-failure test ({len(unreached)}):")
        for s in unreached:
            print("  " + s)
    if unfailed:
        print(f"reached but never failed ({len(unfailed)}):")
        for s in unfailed:
            print("  " + s)
    if not seen:
        print(f"{log}: no sites logged (was the build configured with -Dalloc_sites=true?)")
        return 1
    return 1 if unreached or unfailed else 0


if __name__ == "__main__":
    sys.exit(main())
