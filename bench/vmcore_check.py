#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""vmcore_check.py VMCORE VMLINUX: open a vmcore in drgn and print one JSON
line: {"release": <init_uts_ns release>, "via": ..., "error": ...}.

Uses tests/dumptool/analyze.py's drgn_check() when it exists, drgn directly
otherwise. Run in its own process so a hang or a crash in drgn is bounded.
"""
import json
import os
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def via_analyze(vmcore, vmlinux):
    path = os.path.join(TOP, "tests", "dumptool")
    if not os.path.exists(os.path.join(path, "analyze.py")):
        return None
    sys.path.insert(0, path)
    try:
        import analyze
        check = analyze.drgn_check
    except (ImportError, AttributeError):
        return None
    res = check(vmcore, vmlinux)
    if not isinstance(res, dict):
        return None
    for key in ("release", "osrelease", "uts_release", "OSRELEASE"):
        if res.get(key):
            out = {"release": str(res[key]), "via": "analyze.drgn_check"}
            # Its other checks (panic in the log, panic frame on the stack).
            if "ok" in res:
                out["checks_ok"] = bool(res["ok"])
                out["checks_errors"] = [str(e) for e in res.get("errors", [])]
            if isinstance(res.get("panic_task"), dict):
                out["panic_task"] = res["panic_task"].get("comm")
            return out
    return None             # no release in its answer: ask drgn ourselves


def via_drgn(vmcore, vmlinux):
    import drgn
    prog = drgn.Program()
    prog.set_core_dump(vmcore)
    prog.load_debug_info([vmlinux])
    rel = prog["init_uts_ns"].name.release.string_().decode()
    return {"release": rel, "via": "drgn"}


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: vmcore_check.py VMCORE VMLINUX")
    vmcore, vmlinux = sys.argv[1:]
    try:
        res = via_analyze(vmcore, vmlinux)
    except Exception as e:          # its failure is reported, drgn still tried
        res = None
        first_error = "analyze.drgn_check: %s" % e
    else:
        first_error = None
    if res is None:
        try:
            res = via_drgn(vmcore, vmlinux)
        except Exception as e:
            res = {"release": None, "via": "drgn", "error": "%s: %s" % (type(e).__name__, e)}
    if first_error:
        res["analyze_error"] = first_error
    print(json.dumps(res))
    return 0 if res.get("release") else 1


if __name__ == "__main__":
    sys.exit(main())
