#!/bin/sh
# Fails if the shared library exports a symbol that does not start with "sm_",
# or an internal one (the "sm__" prefix is for hidden symbols only).
lib="$1"
bad=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDRBVW]$/ {print $3}' | grep -v '^sm_' | grep -v -E '^(_init|_fini|_edata|_end|__bss_start)$')
if [ -n "$bad" ]; then
  echo "exported symbols without the sm_ prefix:"; echo "$bad"; exit 1
fi
leaked=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep '^sm__' || true)
if [ -n "$leaked" ]; then
  echo "internal symbols exported (mark them hidden, or drop SM_API):"; echo "$leaked"; exit 1
fi
n=$(nm -D --defined-only "$lib" | grep -c ' T sm_')
echo "ok: $n exported functions, all prefixed sm_, no sm__ internals"
