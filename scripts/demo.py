#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The Tsubaki demo: boot Linux under the secure firmware, restart it warm
(no hardware reset) and power off, showing both consoles and the timings."""
import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "system"))
from conftest import Machine  # noqa: E402

BOLD, DIM, RESET = "\033[1m", "\033[2m", "\033[0m"


def say(msg):
    sys.stdout.write("\n%s==> %s%s\n" % (BOLD, msg, RESET))
    sys.stdout.flush()


class Tee:
    """Console output to the terminal as it arrives."""

    def __init__(self, f):
        self.f = f

    def write(self, s):
        sys.stdout.write(s)
        self.f.write(s)

    def flush(self):
        sys.stdout.flush()
        self.f.flush()


def ms(a, b):
    return (int(b) - int(a)) / 1e6


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cpus", type=int, default=2)
    ap.add_argument("--mem", type=int, default=1024)
    ap.add_argument("--restarts", type=int, default=2)
    a = ap.parse_args()

    logdir = tempfile.mkdtemp(prefix="tsubaki-demo-")
    say("Booting QEMU virt (secure=on, %d x Cortex-A57, %d MiB): firmware at EL3, "
        "Linux in the normal world" % (a.cpus, a.mem))
    t0 = time.monotonic()
    m = Machine(logdir, cpus=a.cpus, mem=a.mem)
    m.p.logfile_read = Tee(m.logfile)
    m.p.logfile = None
    boot, cpus = m.wait_ready(boot=1)
    say("Linux is up (boot %d, %d CPUs online) %.2f s after QEMU started"
        % (boot, cpus, time.monotonic() - t0))
    m.p.logfile_read = m.logfile      # quiet while we ask Linux things
    for line in m.cmd("dmesg").splitlines():
        if "psci" in line or "smp:" in line:
            print("  linux | " + line)
    m.p.logfile_read = Tee(m.logfile)
    for line in m.secure_log().splitlines():
        print("%s  secure| %s%s" % (DIM, line, RESET))

    for n in range(2, 2 + a.restarts):
        say("reboot -> PSCI SYSTEM_RESET -> warm restart by the firmware (no hardware reset)")
        t1 = time.monotonic()
        m.p.sendline("reboot")
        m.wait_ready(boot=n)
        wall = time.monotonic() - t1
        req = m.events("restart-request")[-1]
        entry = m.events("linux-entry")[-1]
        say("Linux is back: boot %d, %.2f s from 'reboot' to READY; firmware part %.1f ms "
            "(SYSTEM_RESET -> kernel entry)" % (n, wall, ms(req["t_ns"], entry["t_ns"])))

    say("poweroff -> PSCI SYSTEM_OFF -> secure GPIO powers the machine off")
    m.p.sendline("poweroff")
    rc = m.wait_exit()
    print()
    for line in m.secure_log().splitlines()[-6:]:
        print("%s  secure| %s%s" % (DIM, line, RESET))
    say("QEMU exited with status %d. Logs: %s" % (rc, logdir))
    return rc


if __name__ == "__main__":
    sys.exit(main())
