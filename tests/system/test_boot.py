# SPDX-License-Identifier: BSD-3-Clause
"""Boot chain: cold boot, PSCI/SMCCC, warm restart, power off, isolation."""
import random
import re

import pytest

from conftest import ARCHES, qmp
from test_dump import wait_dump_done

NOT_SUPPORTED = (1 << 64) - 1           # -1
INVALID_PARAMS = (1 << 64) - 2          # -2
ALREADY_ON = (1 << 64) - 4              # -4
INVALID_ADDRESS = (1 << 64) - 9         # -9


@pytest.mark.parametrize("arch", ARCHES, indirect=True)
@pytest.mark.parametrize("cpus", [1, 2, 4])
def test_boot_all_cpus_online(machine_factory, cpus, arch):
    m = machine_factory(cpus=cpus)
    boot, online = m.wait_ready(boot=1)
    assert online == cpus
    dmesg = m.cmd("dmesg")
    assert "psci: PSCIv1.1 detected in firmware." in dmesg
    assert "psci: SMC Calling Convention v1.1" in dmesg
    assert "smp: Brought up 1 node, %d CPU%s" % (cpus, "s" if cpus > 1 else "") in dmesg
    # The conduit is SMC, from the DT the firmware wrote.
    assert "smc" in m.cmd("cat /sys/firmware/devicetree/base/psci/method")
    assert "tsubaki,collector-v1" in m.cmd(
        "cat /sys/firmware/devicetree/base/tsubaki/compatible")
    # The dump disk is the firmware's: Linux must not see it.
    assert "vda" not in m.cmd("cat /proc/partitions")
    # Secure-world seeds are not handed to Linux.
    assert "No such file" in m.cmd("cat /sys/firmware/devicetree/base/secure-chosen/name")
    ev = m.events("linux-entry")
    assert len(ev) == 1 and ev[0]["boot"] == "1"
    # The firmware runs with its MMU and caches on (docs/design.md, "MMU and caches").
    assert re.search(r"xlat: MMU and caches on; \d+ of 32 KiB of translation tables",
                     m.secure_log())


def test_machine_has_only_the_devices_asked_for(machine_factory, tmp_path):
    """Every device is named on QEMU's command line: no default NIC (a PCI DMA
    master nobody would quiesce), nothing else that came along."""
    sock = str(tmp_path / "qmp.sock")
    m = machine_factory(cpus=2, extra=["--linux-disk", str(tmp_path / "linux.img"),
                                       "--qmp", sock])
    m.wait_ready(boot=1)
    # QEMU's own view: the PCIe root holds its host bridge and nothing else, and
    # the only pluggable devices are the two disks the runner asked for.
    pci, anon, named = qmp(sock, ("query-pci", None),
                           ("qom-list", {"path": "/machine/peripheral-anon"}),
                           ("qom-list", {"path": "/machine/peripheral"}))
    devs = [d for bus in pci for d in bus["devices"]]
    assert [d["class_info"]["class"] for d in devs] == [0x0600], devs
    types = sorted(c["type"] for c in anon if c["type"].startswith("child<"))
    assert types == ["child<virtio-blk-device>"] * 2, anon
    assert not [c for c in named if c["type"].startswith("child<")], named
    # The guest's view: no PCI device, one virtio device (Linux's own disk; the
    # dump disk is hidden), no network interface but loopback.
    out = m.cmd("ls /sys/bus/pci/devices")
    assert out == "(empty)" or "No such file" in out, out
    assert m.cmd("ls /sys/bus/virtio/devices").split() == ["virtio0"]
    assert "vda" in m.cmd("cat /proc/partitions")
    out = m.cmd("ls /sys/class/net")
    assert out in ("(empty)", "lo") or "No such file" in out, out


@pytest.mark.parametrize("arch", ARCHES, indirect=True)
def test_warm_restart_three_times(machine_factory, arch):
    m = machine_factory(cpus=4)
    m.wait_ready(boot=1)
    pid = m.p.pid
    for n in (2, 3, 4):
        m.p.sendline("reboot")
        boot, online = m.wait_ready(boot=n)
        assert online == 4
        assert m.p.pid == pid and m.p.isalive()
    # One cold boot of the firmware, three restarts without a hardware reset.
    assert len(m.events("fw-start")) == 1
    assert [e["boot"] for e in m.events("linux-entry")] == ["1", "2", "3", "4"]
    assert len(m.events("restart-request")) == 3
    dmesg = m.cmd("dmesg")
    assert "smp: Brought up 1 node, 4 CPUs" in dmesg


def test_restart_requested_from_cpu1(machine_factory):
    # Linux migrates reboot() to reboot_cpu (default 0); reboot=s1 makes it CPU1.
    m = machine_factory(cpus=2, extra=["--append", "reboot=s1"])
    m.wait_ready(boot=1)
    m.p.sendline("reboot")
    boot, online = m.wait_ready(boot=2)
    assert online == 2
    req = m.events("restart-request")
    assert req and req[-1]["cpu"] == "1"
    # Linux comes back on CPU0 even though CPU1 asked.
    assert m.events("linux-entry")[-1]["cpu"] == "0"


@pytest.mark.parametrize("arch", ARCHES, indirect=True)
def test_poweroff_exits_qemu_with_status_0(machine_factory, arch):
    m = machine_factory(cpus=2)
    m.wait_ready(boot=1)
    m.p.sendline("poweroff")
    assert m.wait_exit() == 0
    assert m.events("system-off")


def test_cpu_hotplug_uses_psci_off_and_on(machine_factory):
    m = machine_factory(cpus=2)
    m.wait_ready(boot=1)
    assert "ERR" not in m.cmd("write /sys/devices/system/cpu/cpu1/online 0")
    assert m.cmd("cat /sys/devices/system/cpu/online").strip() == "0"
    assert "ERR" not in m.cmd("write /sys/devices/system/cpu/cpu1/online 1")
    assert m.cmd("cat /sys/devices/system/cpu/online").strip() == "0-1"


@pytest.mark.parametrize("mem,chunk_kib", [(1024, 1024), (2048, 1024), (512, 64)])
def test_secure_ram_footprint(machine_factory, mem, chunk_kib):
    """The image's secure RAM is a fixed size within its budget; what grows with
    the machine is sized at boot: DUMP_CHUNK_BYTES per chunk of RAM, and the
    pristine DT at its packed size."""
    extra = [] if chunk_kib == 1024 else ["--config", "chunk=%d" % (chunk_kib << 10)]
    m = machine_factory(cpus=2, mem=mem, extra=extra)
    m.wait_ready(boot=1)
    ev = m.events("secure-ram")
    assert len(ev) == 1, ev
    e = {k: int(v) for k, v in ev[0].items() if k != "name" and k != "t_ns"}
    assert e["budget"] == 256 << 10
    assert 0 < e["fixed"] <= e["budget"]
    # One entry per chunk of the dumped RAM (all but the 2 MiB scratch area).
    chunks = -(-((mem - 2) << 20) // (chunk_kib << 10))
    assert e["per_chunk"] == 19
    assert e["tables"] == chunks * e["per_chunk"]
    assert 0 < e["dt"] <= 64 << 10          # QEMU's DT, packed: a few KiB
    # The codec buffers (compress=1, and the reader's decoding): 2 x 64 KiB.
    assert e["codec"] == 128 << 10
    assert e["tables"] + e["dt"] + e["codec"] <= e["used"] <= e["tables"] + e["dt"] + e["codec"] + 64
    assert e["used"] <= e["heap"]
    if chunk_kib != 1024:
        # Every dump test uses the default chunk: dump once with the small one.
        m.p.sendline("cpu 1 sysrq c")
        m.wait_ready(boot=2)
        assert wait_dump_done(m) == "complete"
        done = m.events("dump-done")
        assert len(done) == 1 and done[0]["state"] == "complete", done


def test_secure_ram_is_unreachable_from_linux(machine_factory, test_overlay):
    m = machine_factory(cpus=2, overlay=[test_overlay])
    m.wait_ready(boot=1)
    out = m.cmd("run /bin/devmem 0x0e000000")
    assert "fault SIGBUS" in out
    out = m.cmd("run /bin/devmem 0x0e000000 0xdeadbeef")
    assert "fault SIGBUS" in out
    # The secure flash holding the pristine images is out of reach too.
    assert "fault SIGBUS" in m.cmd("run /bin/devmem 0x00200000")
    # The firmware still serves PSCI afterwards ...
    m.cmd("write /sys/kernel/tsubaki_test/smc 0x84000000")
    assert m.cmd("cat /sys/kernel/tsubaki_test/smc").split()[0] == "0x10001"
    # ... and still restarts Linux.
    m.p.sendline("reboot")
    m.wait_ready(boot=2)


def smc(m, *args):
    line = " ".join(hex(a) for a in args)
    out = m.cmd("write /sys/kernel/tsubaki_test/smc %s" % line)
    assert "ERR" not in out, out
    return int(m.cmd("cat /sys/kernel/tsubaki_test/smc").split()[0], 16)


# What a 32-bit kernel gets: SMC32 results are 32-bit.
NOT_SUPPORTED32 = 0xffffffff
INVALID_PARAMS32 = 0xfffffffe
ARM_CHECKS = [
    ((0x80000000,), 0x10001),                           # SMCCC_VERSION 1.1
    ((0x80000001, 0x80000000), 0),                      # ARCH_FEATURES(VERSION)
    ((0x80000001, 0x12345678), NOT_SUPPORTED32),
    ((0x84000000,), 0x10001),                           # PSCI_VERSION 1.1
    ((0x8400000a, 0x84000003), 0),                      # FEATURES(CPU_ON32)
    ((0x8400000a, 0x8400001f), NOT_SUPPORTED32),
    ((0x84000006,), 2),                                 # MIGRATE_INFO_TYPE
    ((0x84000003, 0xff, 0x40200000), INVALID_PARAMS32),     # CPU_ON32: no such CPU
    ((0x84000003, 1, 0x40200000), 0xfffffffc),              # CPU1 is on
    ((0x84000003, 1, 0x0e000000), 0xfffffff7),              # secure RAM
    ((0x84000004, 1, 1), INVALID_PARAMS32),                 # AFFINITY_INFO32, level 1
    ((0x84000004, 1, 0), 0),                                # CPU1 ON
    ((0x84000001, 1 << 16, 0x40200000), INVALID_PARAMS32),  # power-down suspend
    ((0x84000012,), NOT_SUPPORTED32),                   # SYSTEM_RESET2
    ((0x04000000,), NOT_SUPPORTED32),                   # yielding call
    ((0xc4000003, 1, 0x40200000), NOT_SUPPORTED32),     # SMC64 from AArch32: no such call
    ((0xc2000000,), NOT_SUPPORTED32),                   # idem, Tsubaki's SMC64 form
    ((0x82000000,), 0x10002),                           # Tsubaki ABI 1.2, SMC32
    ((0x820000ff,), NOT_SUPPORTED32),                   # unknown Tsubaki call
    ((0x82000001, 0x20000, 0x40000000, 0), 0xfffffffb),     # REGISTER, ABI 2.0
    ((0x82000001, 0x10000, 0x0e000000, 0), INVALID_PARAMS32),  # secure RAM (size r4 = 0)
    ((0x82000004,), 0xfffffffc),                        # GET_GRANT: no dump running
    ((0x82000005,), 0),                                 # STATUS: idle
    ((0x82000007,), 0xfffffffc),                        # DISK_POLL: no read started
    ((0x82000006, 1, 0, 100), INVALID_PARAMS32),        # DISK_READ: unaligned length
    ((0x82000006, 0, 1, 4096), INVALID_PARAMS32),       # DISK_READ: disk header at page 1
    ((0x82000009, 3601), INVALID_PARAMS32),             # WATCHDOG: over an hour
    ((0x82000009, 0), 0),                               # WATCHDOG: stop
    ((0xbf00ffff,), NOT_SUPPORTED32),                   # Trusted OS range
    ((0x8f000000,), NOT_SUPPORTED32),                   # reserved owner
]


@pytest.mark.parametrize("arch", ARCHES, indirect=True)
def test_malformed_and_unknown_smcs(machine_factory, test_overlay, arch):
    m = machine_factory(cpus=2, overlay=[test_overlay])
    m.wait_ready(boot=1)
    checks = ARM_CHECKS if arch == "arm" else [
        ((0x80000000,), 0x10001),                       # SMCCC_VERSION 1.1
        ((0x80000001, 0x80000000), 0),                  # ARCH_FEATURES(VERSION)
        ((0x80000001, 0x12345678), 0xffffffff),     # SMC32: 32-bit result
        ((0x84000000,), 0x10001),                       # PSCI_VERSION 1.1
        ((0x8400000a, 0xc4000003), 0),                  # FEATURES(CPU_ON64)
        ((0x8400000a, 0x8400001f), 0xffffffff),         # FEATURES(unknown), SMC32
        ((0x84000006,), 2),                             # MIGRATE_INFO_TYPE
        ((0xc4000003, 0xff, 0x40200000), INVALID_PARAMS),      # no such CPU
        ((0xc4000003, 1 << 40, 0x40200000), INVALID_PARAMS),   # bad MPIDR bits
        ((0xc4000003, 1, 0x40200000), ALREADY_ON),             # CPU1 is on
        ((0xc4000003, 1, 0x0e000000), INVALID_ADDRESS),        # secure RAM
        ((0xc4000004, 1, 1), INVALID_PARAMS),                  # affinity level 1
        ((0xc4000004, 1, 0), 0),                               # CPU1 ON
        ((0xc4000004, 7, 0), INVALID_PARAMS),                  # no CPU7
        ((0xc4000001, 1 << 16, 0x40200000), INVALID_PARAMS),   # power-down suspend
        ((0x84000012,), 0xffffffff),                    # SYSTEM_RESET2: not implemented
        ((0x04000000,), NOT_SUPPORTED),                 # yielding call
        ((0xc2000000,), 0x10002),                       # Tsubaki ABI 1.2
        ((0x82000000,), 0x10002),                       # the SMC32 form (ARMv7 kernels)
        ((0x820000ff,), 0xffffffff),                    # unknown Tsubaki call, SMC32
        ((0x82000001, 0x20000, 0x40000000, 0), 0xfffffffb),   # REGISTER SMC32, ABI 2.0
        ((0x82000004,), 0xfffffffc),                    # GET_GRANT SMC32: nothing
        ((0x82000005,), 0),                             # STATUS SMC32: idle
        ((0x82000006, 1, 0, 100), 0xfffffffe),          # DISK_READ SMC32: unaligned length
        ((0xc20000ff,), NOT_SUPPORTED),                 # unknown Tsubaki call
        ((0xc2000001, 0x20000, 0x40000000, 64), (1 << 64) - 5),   # REGISTER, ABI 2.0
        ((0xc2000001, 0x10000, 0x0e000000, 64), INVALID_PARAMS),  # note in secure RAM
        ((0xc2000001, 0x10000, 0x40000000, 1 << 20), INVALID_PARAMS),  # note too big
        ((0xc2000004,), (1 << 64) - 4),                 # GET_GRANT: no dump running
        ((0xc2000005,), 0),                             # STATUS: idle
        ((0xc2000007,), (1 << 64) - 4),                 # DISK_POLL: no read started
        ((0xc2000006, 1, 0, 100), INVALID_PARAMS),      # DISK_READ: unaligned length
        ((0xc2000006, 1, 0, 1 << 20), INVALID_PARAMS),  # DISK_READ: over 512 KiB
        ((0xc2000006, 0, 4096, 4096), INVALID_PARAMS),  # DISK_READ: disk header at 4096
        ((0xc2000009, 3601), INVALID_PARAMS),           # WATCHDOG: over an hour
        ((0xc2000009, 0), 0),                           # WATCHDOG: stop (never armed)
        ((0xbf00ffff,), 0xffffffff),                    # Trusted OS range, SMC32
        ((0x8f000000,), 0xffffffff),                    # reserved owner, SMC32
    ]
    for args, want in checks:
        got = smc(m, *args)
        assert got == want, "SMC %s -> %#x, want %#x" % (
            " ".join(hex(a) for a in args), got, want)
    # Random calls outside the services that change power state never crash it.
    rng = random.Random(0x75626b)
    bits = 32 if arch == "arm" else 64
    for _ in range(150):
        owner = rng.choice([1, 3, 5, 6, 7, 0x30, 0x31, 0x32, 0x3f])
        fid = 0x80000000 | (rng.getrandbits(1) << 30) | (owner << 24) | rng.getrandbits(16)
        got = smc(m, fid, rng.getrandbits(bits), rng.getrandbits(bits), rng.getrandbits(bits))
        assert got in (NOT_SUPPORTED, 0xffffffff), "fid %#x -> %#x" % (fid, got)
    assert m.cmd("echo alive") == "alive"
    m.p.sendline("reboot")
    _, online = m.wait_ready(boot=2)
    assert online == 2


@pytest.mark.parametrize("arch", ["arm"], indirect=True)
def test_arm_refuses_spare_and_hotplug_at_boot(machine_factory, arch):
    """A 32-bit ARM kernel can neither hot-add memory nor use RAM below the
    window it boots in: the firmware refuses both options at boot, says why,
    and a crash is dumped in the primary-dump mode."""
    m = machine_factory(cpus=2, mem=512,
                        extra=["--spare", "--config", "hotplug=134217728"])
    m.wait_ready(boot=1)
    log = m.secure_log()
    assert "spare=1 refused" in log and "hotplug=134217728 refused" in log, log
    assert "boot: primary-dump mode" in log
    assert {e["key"] for e in m.events("option-refused")} >= {"spare", "hotplug"}
    m.p.sendline("cpu 0 sysrq c")
    m.wait_ready(boot=2)
    assert wait_dump_done(m) == "complete"
