# SPDX-License-Identifier: BSD-3-Clause
"""scripts/check-arch-neutral.py (make lint): generic firmware code names no
architecture register or instruction; arch/ and plat/ may."""
import os
import subprocess
import sys

TOP = os.path.join(os.path.dirname(__file__), "..", "..")
CHECK = os.path.join(TOP, "scripts", "check-arch-neutral.py")


def run(root):
    return subprocess.run([sys.executable, CHECK, str(root)], capture_output=True, text=True)


def test_the_firmware_is_arch_neutral():
    r = run(os.path.join(TOP, "firmware"))
    assert r.returncode == 0, r.stdout + r.stderr


def test_each_kind_of_finding(tmp_path):
    (tmp_path / "services").mkdir()
    (tmp_path / "arch" / "aarch64").mkdir(parents=True)
    (tmp_path / "plat" / "board").mkdir(parents=True)
    bad = ["isb();", "uint64_t a = read_sysreg(esr_el3);", "a = ctx->x[1];",
           "a = ctx->elr;", "a = SCR_NS;", "__asm__ volatile(\"nop\");", "ICC_SGI0R_EL1;"]
    (tmp_path / "services" / "bad.c").write_text("\n".join(bad) + "\n")
    # Comments, strings, arch/ and plat/ are not generic code.
    (tmp_path / "services" / "ok.c").write_text(
        "/* isb(); SCR_EL3 */\n// ctx->x[0]\nlog(\"esr=%lx isb();\");\nx = SCR_RING;\n")
    (tmp_path / "arch" / "aarch64" / "cpu.c").write_text("isb(); a = read_sysreg(esr_el3);\n")
    (tmp_path / "plat" / "board" / "plat.c").write_text("wfi();\n")
    r = run(tmp_path)
    assert r.returncode == 1
    lines = r.stdout.strip().splitlines()
    assert all(ln.split(":")[0].endswith(os.path.join("services", "bad.c")) for ln in lines), lines
    assert sorted({int(ln.split(":")[1]) for ln in lines}) == list(range(1, len(bad) + 1))
