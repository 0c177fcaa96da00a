#!/usr/bin/env python3
"""The include rule of lib/ (lib/README.md): a file includes headers of its
own layer and of the layers below it, never above, never a sibling it does not
build on. Reads the #include "..." lines of every file under lib/ and fails,
naming file, line and header, on a wrong-way include, an include of a layer
folder that is not known, or a circle between files.

With --objects DIR (the folder of the library's object files in a build,
named <layer>_<file>.c.o by meson) it also reads their symbols with nm: a
function or table that one layer defines and a lower layer uses (a call
through a hand-written declaration, which the include rule alone would not
see) fails the same way.

usage: check_layers.py [LIB_DIR] [--objects DIR]   (default: lib/ beside tests/)
"""
import os
import re
import subprocess
import sys

# layer -> the layers it may include (itself always allowed)
ALLOWED = {
    "base": set(),
    "core": {"base"},
    "score": {"base", "core"},
    "match": {"base", "core", "score"},
    "io": {"base", "core"},
    "snapshot": {"base", "core"},
    "groups": {"base", "core", "score", "match"},
    "overview": {"base", "core", "score", "match"},
}
# headers outside the layers that any file may include
NEUTRAL = {"smartmatch.h", "sm_config.h"}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def layer_of(rel):
    return rel.split("/", 1)[0] if "/" in rel else None


def check_symbols(objdir):
    """Undefined sm__ symbols of each object must be defined in its own layer or below."""
    defined, used = {}, {}
    names = sorted(n for n in os.listdir(objdir) if n.endswith(".o"))
    for name in names:
        layer = name.split("_", 1)[0]
        if layer not in ALLOWED:
            continue
        out = subprocess.run(["nm", os.path.join(objdir, name)], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[-1].startswith("sm__"):
                sym = parts[-1]
                if parts[-2] == "U":
                    used.setdefault(name, set()).add(sym)
                elif parts[-2] in "TDRBC":
                    defined[sym] = (layer, name)
    problems = []
    for name, syms in sorted(used.items()):
        layer = name.split("_", 1)[0]
        for sym in sorted(syms):
            if sym not in defined:
                continue
            dl, dn = defined[sym]
            if dl != layer and dl not in ALLOWED[layer]:
                problems.append(f"{name}: {layer} uses {sym}, defined in {dn} of layer {dl}")
    if not names:
        problems.append(f"{objdir}: no object files")
    return problems


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    args = sys.argv[1:]
    objects = None
    if "--objects" in args:
        i = args.index("--objects")
        objects = args[i + 1]
        del args[i:i + 2]
    lib = args[0] if args else os.path.join(here, "..", "..", "lib")
    lib = os.path.normpath(lib)
    problems = []
    graph = {}
    n_files = 0
    for dirpath, _, names in os.walk(lib):
        for name in sorted(names):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, lib).replace(os.sep, "/")
            layer = layer_of(rel)
            n_files += 1
            if layer is None:
                problems.append(f"lib/{rel}: source file outside a layer folder")
                continue
            if layer not in ALLOWED:
                problems.append(f"lib/{rel}: unknown layer folder '{layer}' (add it to lib/README.md and this test)")
                continue
            graph[rel] = []
            with open(path, encoding="utf-8") as f:
                for no, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    inc = m.group(1)
                    if inc in NEUTRAL:
                        continue
                    target = layer_of(inc)
                    if target is None:
                        problems.append(f"lib/{rel}:{no}: includes \"{inc}\" without its layer folder "
                                        f"(write \"<layer>/{inc}\")")
                        continue
                    if target != layer and target not in ALLOWED[layer]:
                        may = ", ".join(sorted(ALLOWED[layer])) or "no other layer"
                        problems.append(f"lib/{rel}:{no}: {layer} includes \"{inc}\" of layer {target}; "
                                        f"{layer} may include {may}")
                    if not os.path.exists(os.path.join(lib, inc)):
                        problems.append(f"lib/{rel}:{no}: includes \"{inc}\", which does not exist")
                    graph[rel].append(inc)
    # circles between files (headers including each other)
    state = {}

    def visit(node, stack):
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                cyc = stack[stack.index(nxt):] + [nxt]
                problems.append("include circle: " + " -> ".join("lib/" + c for c in cyc))
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    if objects:
        problems += check_symbols(objects)
    if problems:
        print(f"layer rule broken ({len(problems)} problem(s)); see lib/README.md:")
        for p in problems:
            print("  " + p)
        return 1
    print(f"ok: {n_files} files in {len({layer_of(r) for r in graph})} layers, every include points down")
    return 0


if __name__ == "__main__":
    sys.exit(main())
