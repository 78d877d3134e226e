#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""make lint: generic firmware code names no architecture register or instruction.

Every file under firmware/ outside arch/ and plat/ (and the third-party
libc headers) is read with its comments and string literals blanked out, and
checked for what only an architecture may use: system-register accessors
and names (..._EL3, SCR, SPSR, ...), barrier and wait instructions, inline
assembly, and the saved context's register fields. docs/porting.md lists
what arch/<arch>/ provides instead. Exit status 1 and one line per finding
when something is found.
"""
import os
import re
import sys

FORBIDDEN = [
    (r"\b(read|write)_sysreg\b", "system-register accessor"),
    (r"\b[A-Za-z0-9_]*_EL[0-3]\b", "system register"),
    (r"\b[a-z0-9_]*_el[0-3]\b", "system register"),
    (r"\b(isb|dsb\w*|dmb\w*|sev|sevl|wfe|wfi|eret|mrs|msr|mrc|mcr)\s*\(", "instruction"),
    (r"\b__asm__\b|\basm\b|\b__asm\b", "inline assembly"),
    (r"->\s*(x|r)\s*\[|\.\s*x\s*\[", "a saved register by number (use smc_arg()/smc_ret())"),
    (r"->\s*(elr|spsr|sp_el0|lr_mon|spsr_mon)\b", "a saved register (use arch_ctx_pc())"),
    (r"\b(SCR|SPSR|ESR|SCTLR|CPSR|NSACR|HCR)_[A-Z0-9]+\b", "a register field"),
]
# Generic names that happen to match a pattern above but name no register.
ALLOWED = {"SCR_RING", "SCR_META", "SCR_DISKHDR", "SCR_READ", "SCR_ZBUF"}


def blank(text):
    """Comments and string/char literals replaced by spaces (newlines kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (min(j, n) - i - 1) + (c if j < n else ""))
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def generic_files(root):
    for d, subdirs, files in os.walk(root):
        rel = os.path.relpath(d, root)
        top = rel.split(os.sep)[0]
        if top in ("arch", "plat") or rel.startswith(os.path.join("include", "libc")):
            subdirs[:] = []
            continue
        for f in sorted(files):
            if f.endswith((".c", ".h", ".S")):
                yield os.path.join(d, f)


def main(argv):
    root = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(__file__), "..",
                                                      "firmware")
    found = 0
    for path in generic_files(root):
        with open(path, encoding="utf-8") as f:
            lines = blank(f.read()).split("\n")
        for no, line in enumerate(lines, 1):
            for pat, what in FORBIDDEN:
                for m in re.finditer(pat, line):
                    if m.group(0) in ALLOWED:
                        continue
                    found += 1
                    print("%s:%d: %s: '%s' (generic code; arch/ provides it)"
                          % (os.path.relpath(path), no, what, m.group(0).strip()))
    if found:
        print("check-arch-neutral: %d finding(s)" % found, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
