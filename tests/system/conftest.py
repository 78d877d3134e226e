# SPDX-License-Identifier: BSD-3-Clause
"""QEMU system-test harness: boots Tsubaki + Linux through tools/tsubaki-run
and drives the initramfs shell over the normal-world console."""
import os
import json
import re
import socket
import subprocess
import sys
import time

import pexpect
import pytest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("TSUBAKI_BUILD", os.path.join(TOP, "build"))
# The architectures the system tests boot: AArch64 (Cortex-A57, GICv3) and
# ARMv7-A (Cortex-A15, GICv2, `make ARCH=arm`). A test runs on both when it
# asks for the `arch` fixture through @pytest.mark.parametrize("arch", ARCHES,
# indirect=True); every other test runs on arm64.
ARCHES = ("arm64", "arm")


def build_dir(arch):
    """The build of @arch: the host tools are in BUILD's, for both."""
    if arch == "arm64":
        return BUILD
    return os.environ.get("TSUBAKI_BUILD_ARM", os.path.join(BUILD, "arm"))


def vmlinux(arch="arm64"):
    return os.path.join(build_dir(arch), "linux", "vmlinux")
RUNNER = os.path.join(TOP, "tools", "tsubaki-run")
PROMPT = "tsubaki# "
# TCG on a busy 2-core machine can be slow: generous, but bounded.
BOOT_TIMEOUT = 120
CMD_TIMEOUT = 60


def parse_events(text):
    """EVENT lines of the secure log as dicts (values as str)."""
    events = []
    for m in re.finditer(r"EVENT (.*)", text):
        ev = dict(kv.split("=", 1) for kv in m.group(1).split() if "=" in kv)
        events.append(ev)
    return events


class Machine:
    """One QEMU run. Output of the normal-world console is in self.log."""

    def __init__(self, logdir, cpus=2, mem=1024, overlay=(), extra=(), arch="arm64"):
        self.logdir = str(logdir)
        self.arch = arch
        args = ["--quiet-secure", "--logdir", self.logdir, "--cpus", str(cpus),
                "--mem", str(mem), "--disk", os.path.join(self.logdir, "dump.img")]
        if arch != "arm64":
            args += ["--arch", arch, "--build", build_dir(arch)]
        for ov in overlay:
            args += ["--overlay", ov]
        args += list(extra)
        self.cpus = cpus
        self.logfile = open(os.path.join(self.logdir, "console.txt"), "w")
        self.p = pexpect.spawn(sys.executable if RUNNER.endswith(".py") else RUNNER,
                               args, encoding="utf-8", codec_errors="replace",
                               timeout=CMD_TIMEOUT, logfile=self.logfile,
                               dimensions=(50, 400))

    def wait_ready(self, boot=None, timeout=BOOT_TIMEOUT):
        self.p.expect(r"READY boot=(\d+) cpus=(\d+)", timeout=timeout)
        got_boot, cpus = int(self.p.match.group(1)), int(self.p.match.group(2))
        if boot is not None:
            assert got_boot == boot, "expected boot %d, got %d" % (boot, got_boot)
        self.p.expect_exact(PROMPT, timeout=CMD_TIMEOUT)
        return got_boot, cpus

    def cmd(self, line, timeout=CMD_TIMEOUT):
        """Run one shell command; return its output (without echo and prompt)."""
        self.p.sendline(line)
        self.p.expect_exact(PROMPT, timeout=timeout)
        out = self.p.before.replace("\r", "")
        lines = out.split("\n")
        if lines and lines[0].strip() == line.strip():
            lines = lines[1:]
        return "\n".join(lines).strip("\n")

    def sync(self):
        """Wait until the shell has caught up (output of bg jobs may interleave)."""
        self.nsync = getattr(self, "nsync", 0) + 1
        # The typed line (echoed back) has three spaces, the output one: the
        # token needs no line of its own, which background output can break.
        self.p.sendline("echo SYNC%d   DONE" % self.nsync)
        self.p.expect_exact("SYNC%d DONE" % self.nsync)
        self.p.expect_exact(PROMPT)

    def secure_log(self):
        try:
            with open(os.path.join(self.logdir, "secure.log"), errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def events(self, name=None):
        evs = parse_events(self.secure_log())
        return [e for e in evs if name is None or e.get("name") == name]

    def wait_exit(self, timeout=CMD_TIMEOUT):
        self.p.expect(pexpect.EOF, timeout=timeout)
        self.p.close()
        return self.p.exitstatus

    def close(self):
        if self.p.isalive():
            self.p.terminate(force=True)
        self.logfile.close()


def qmp(path, *commands, timeout=20):
    """Run QMP @commands ((name, arguments) pairs) on the socket at @path; return
    their results in order. Raises on a QMP error."""
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise TimeoutError("no QMP socket at %s" % path)
        time.sleep(0.05)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    sock.connect(path)
    f = sock.makefile("rw")

    def reply():
        while True:
            msg = json.loads(f.readline())
            if "event" not in msg:
                return msg

    reply()                             # the greeting
    results = []
    for name, args in (("qmp_capabilities", None),) + tuple(commands):
        req = {"execute": name}
        if args:
            req["arguments"] = args
        f.write(json.dumps(req) + "\n")
        f.flush()
        msg = reply()
        if "error" in msg:
            raise RuntimeError("QMP %s: %s" % (name, msg["error"]))
        results.append(msg["return"])
    sock.close()
    return results[1:]


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item (for machine_factory's clean-up)."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


# What a run leaves that is big: disk images (up to the RAM size written), the
# flash image, exported vmcores. A whole suite would leave ~30 GB of them.
BIG_FILES = re.compile(r".*\.img$|^flash\.bin$|^vmcore.*")


@pytest.fixture
def arch(request):
    """The architecture under test: arm64 unless the test is parametrised over ARCHES."""
    a = getattr(request, "param", "arm64")
    if a not in ARCHES:
        pytest.fail("unknown architecture %r (want one of %s)" % (a, ", ".join(ARCHES)))
    return a


@pytest.fixture
def machine_factory(tmp_path, request, arch):
    machines = []

    def make(**kw):
        d = tmp_path / ("run%d" % len(machines))
        d.mkdir()
        kw.setdefault("arch", arch)
        m = Machine(d, **kw)
        machines.append(m)
        return m

    yield make
    for m in machines:
        m.close()
    # A passed test's images are of no more use; a failed test keeps them.
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.passed:
        for root, _, files in os.walk(str(tmp_path)):
            for f in files:
                if BIG_FILES.match(f):
                    os.unlink(os.path.join(root, f))


def build_overlay(path, files):
    """Write a newc cpio archive with {archive_path: host_path or (host_path,
    mode)} (plus parents; mode 644 by default)."""
    # The kernel build's own cpio writer (the same one the initramfs is made with).
    tool = os.path.join(BUILD, "linux", "kbuild", "usr", "gen_init_cpio")
    if not os.path.exists(tool):
        pytest.fail("gen_init_cpio missing (%s): run 'make' first" % tool)
    lst = str(path) + ".list"
    dirs = set()
    for dst in files:
        parts = dst.strip("/").split("/")[:-1]
        for i in range(1, len(parts) + 1):
            dirs.add("/" + "/".join(parts[:i]))
    with open(lst, "w") as f:
        for d in sorted(dirs):
            f.write("dir %s 755 0 0\n" % d)
        for dst, src in files.items():
            src, mode = src if isinstance(src, tuple) else (src, 0o644)
            f.write("file %s %s %o 0 0\n" % (dst, src, mode))
    with open(str(path), "wb") as out:
        subprocess.run([tool, "-t", "0", lst], check=True, stdout=out)
    return str(path)


_TEST_OVERLAYS = {}


def test_module_overlay(tmp_path_factory, arch):
    """The initramfs overlay that adds the tsubaki_test module of @arch's build
    (made once a session), for fixtures of any scope."""
    if arch not in _TEST_OVERLAYS:
        ko = os.path.join(build_dir(arch), "kmod", "tests", "kmod", "tsubaki_test.ko")
        if not os.path.exists(ko):
            pytest.fail("tsubaki_test.ko missing (%s): run 'make modules%s'"
                        % (ko, "" if arch == "arm64" else " ARCH=" + arch))
        out = tmp_path_factory.mktemp("overlay-" + arch) / "test.cpio"
        _TEST_OVERLAYS[arch] = build_overlay(out, {"/lib/modules/tsubaki/tsubaki_test.ko": ko})
    return _TEST_OVERLAYS[arch]


test_module_overlay.__test__ = False     # a helper, not a test


@pytest.fixture
def test_overlay(tmp_path_factory, arch):
    """An initramfs overlay that adds the tsubaki_test module (of @arch's build)."""
    return test_module_overlay(tmp_path_factory, arch)


ARM64_ROOT = os.path.join(os.environ.get("TSUBAKI_CACHE",
                                         os.path.expanduser("~/.cache/tsubaki")), "arm64-root")
MAKEDUMPFILE_LIBS = ("libdw.so.1", "libelf.so.1", "libzstd.so.1", "libbz2.so.1.0",
                     "liblzma.so.5", "liblzo2.so.2", "libz.so.1", "libc.so.6",
                     "libgcc_s.so.1", "ld-linux-aarch64.so.1")


def makedumpfile_files():
    """{archive path: (host path, mode)} of Debian's arm64 makedumpfile and its
    libraries (scripts/setup.sh unpacks them); FileNotFoundError if missing.
    arm64 only: the ARMv7-A build (make ARCH=arm) has no makedumpfile overlay
    yet (it would need Debian's armhf packages unpacked likewise)."""
    exe = os.path.join(ARM64_ROOT, "usr", "bin", "makedumpfile")
    if not os.path.exists(exe):
        raise FileNotFoundError("arm64 makedumpfile missing (%s): run scripts/setup.sh" % exe)
    files = {"/usr/bin/makedumpfile": (exe, 0o755)}
    for lib in MAKEDUMPFILE_LIBS:
        for d in ("lib/aarch64-linux-gnu", "usr/lib/aarch64-linux-gnu"):
            p = os.path.join(ARM64_ROOT, d, lib)
            if os.path.exists(p):
                files["/lib/aarch64-linux-gnu/" + lib] = (os.path.realpath(p), 0o755)
                break
        else:
            raise FileNotFoundError("arm64 %s missing in %s: run scripts/setup.sh"
                                    % (lib, ARM64_ROOT))
    # The program interpreter's path, as a real file.
    files["/lib/ld-linux-aarch64.so.1"] = files["/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1"]
    return files


@pytest.fixture(scope="session")
def makedumpfile_overlay(tmp_path_factory):
    """An initramfs overlay with makedumpfile_files()."""
    try:
        files = makedumpfile_files()
    except FileNotFoundError as e:
        pytest.fail(str(e))
    out = tmp_path_factory.mktemp("mdf") / "makedumpfile.cpio"
    return build_overlay(out, files)
