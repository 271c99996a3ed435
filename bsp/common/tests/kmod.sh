#!/bin/sh
# The driver on a target without a hypervisor image: it loads, shows /dev/jailhouse and
# /sys/devices/jailhouse, refuses `enable` cleanly (no firmware: ENOENT; a file that is not a
# hypervisor image: EINVAL; x86 without VT-x: ENODEV), says that a disabled system has no
# cells, and unloads. On arm64 two fixture images (tests/arm64/) drive the EL2 entry and the
# whole enable/cell/disable cycle.
# Each step prints "jailhouse-test: ok STEP" or "jailhouse-test: FAIL STEP ..." and stops.
ok() { echo "jailhouse-test: ok $*"; }
fail() { echo "jailhouse-test: FAIL $*"; exit 1; }
show() { sed 's/^/jailhouse-test: | /'; }

# The image's own hypervisor (/lib/firmware/jailhouse.bin on arm64) steps aside: this test
# drives the driver with no firmware, a bad one and fixtures; hypervisor.sh runs the real one.
hypervisor=/lib/firmware/jailhouse.bin
[ -f "$hypervisor" ] && mv "$hypervisor" /tmp/jailhouse.bin

kver=$(uname -r)
insmod "/lib/modules/$kver/extra/jailhouse.ko" || fail "insmod"
ok "insmod"
[ -c /dev/jailhouse ] || fail "/dev/jailhouse is not a character device"
ok "/dev/jailhouse"
[ "$(cat /sys/devices/jailhouse/enabled)" = 0 ] || fail "enabled is not 0"
ok "enabled 0"
for entry in mem_pool_size mem_pool_used remap_pool_size remap_pool_used console cells; do
    [ -e "/sys/devices/jailhouse/$entry" ] || fail "/sys/devices/jailhouse/$entry missing"
done
ok "sysfs tree"

board=$(cat /etc/jailhouse/board)
system=/etc/jailhouse/$board.cell
if [ "$(uname -m)" = x86_64 ] && ! grep -qw vmx /proc/cpuinfo; then
    # QEMU without KVM has no VT-x: enable stops at the CPU check, before the firmware.
    jailhouse enable "$system" >/tmp/out 2>&1 && fail "enable without VT-x succeeded"
    show </tmp/out
    grep -q ENODEV /tmp/out || fail "enable without VT-x: no ENODEV"
    dmesg | grep -q "jailhouse: enable: this CPU has no VT-x" || fail "no kernel log line for the missing VT-x"
    ok "enable without VT-x"
else
    jailhouse enable "$system" >/tmp/out 2>&1 && fail "enable without firmware succeeded"
    show </tmp/out
    grep -q ENOENT /tmp/out || fail "enable without firmware: no ENOENT"
    dmesg | grep -q "jailhouse: enable: hypervisor firmware jailhouse.bin not found" ||
        fail "no kernel log line for the missing firmware"
    ok "enable without firmware"

    mkdir -p /lib/firmware
    # 128 bytes that are not a hypervisor image: no "JAILHOUS" signature.
    head -c 128 /dev/zero | tr '\0' 'x' >/lib/firmware/jailhouse.bin
    jailhouse enable "$system" >/tmp/out 2>&1 && fail "enable with a bad image succeeded"
    show </tmp/out
    grep -q EINVAL /tmp/out || fail "enable with a bad image: no EINVAL"
    dmesg | grep -q "jailhouse: enable: jailhouse.bin is not a hypervisor image" ||
        fail "no kernel log line for the bad image"
    rm /lib/firmware/jailhouse.bin
    ok "enable with a bad image"
fi

# arm64: a fixture image that reports its EL2 entry on the UART and refuses (-EIO). Twice: the
# first attempt must give back the hypervisor memory (else the second fails with EBUSY).
fixture=/usr/lib/jailhouse/tests/refusing-hypervisor.bin
# The fixtures know QEMU virt's UART and the demo cell's RAM: only there.
if [ -f "$fixture" ] && [ "$board" = qemu-arm64 ]; then
    cp "$fixture" /lib/firmware/jailhouse.bin
    for attempt in 1 2; do
        jailhouse enable "$system" >/tmp/out 2>&1 && fail "enable with a refusing hypervisor succeeded"
        show </tmp/out
        grep -q EIO /tmp/out || fail "enable with a refusing hypervisor: no EIO (attempt $attempt)"
    done
    rm /lib/firmware/jailhouse.bin
    dmesg | grep -q "jailhouse: enable: the hypervisor refused to start (error -5)" ||
        fail "no kernel log line for the refusing hypervisor"
    grep -q "Jailhouse hypervisor" /proc/iomem && fail "hypervisor memory still claimed"
    ok "enable with a refusing hypervisor"
fi

[ "$(cat /sys/devices/jailhouse/enabled)" = 0 ] || fail "enabled after failed enables"
jailhouse disable >/tmp/out 2>&1 && fail "disable while disabled succeeded"
grep -q EINVAL /tmp/out || { show </tmp/out; fail "disable while disabled: no EINVAL"; }
ok "disable while disabled"

# Hostile ioctls (arm64: the probe is an arm64 program): each fails with its errno, no oops.
probe=/usr/lib/jailhouse/tests/ioctl-probe
if [ -x "$probe" ]; then
    "$probe" disabled "$system" >/tmp/out 2>&1; status=$?
    show </tmp/out
    [ $status = 0 ] || fail "hostile ioctls while disabled"
    ok "hostile ioctls while disabled"
fi
jailhouse cell list >/tmp/out 2>&1 && fail "cell list on a disabled system succeeded"
show </tmp/out
grep -q "not enabled" /tmp/out || fail "cell list does not say Jailhouse is not enabled"
ok "cell list disabled"

for cell in /etc/jailhouse/*.cell; do
    # Cell configurations only (qemu-arm64-gicv2.cell is another system configuration).
    jailhouse config show "$cell" | head -n 1 | grep -q "cell configuration" || continue
    jailhouse cell create "$cell" >/tmp/out 2>&1 && fail "cell create on a disabled system succeeded"
    show </tmp/out
    dmesg | grep -q "jailhouse: cell create: not enabled" || fail "no kernel log line for cell create"
    ok "cell create disabled"
    break
done

# arm64: the whole life cycle with a fixture that accepts every hypercall (it partitions
# nothing): enable, the root cell, a cell created (its CPU leaves Linux), loaded (the image
# lands in the cell's RAM), started, shut down and destroyed (the CPU returns), created again,
# disable (the CPU returns again).
accepting=/usr/lib/jailhouse/tests/accepting-hypervisor.bin
sysfs=/sys/devices/jailhouse
if [ -f "$accepting" ] && [ "$board" = qemu-arm64 ]; then
    cp "$accepting" /lib/firmware/jailhouse.bin
    jailhouse enable "$system" >/tmp/out 2>&1 || { show </tmp/out; fail "enable with the accepting fixture"; }
    rm /lib/firmware/jailhouse.bin
    [ "$(cat $sysfs/enabled)" = 1 ] || fail "enabled is not 1"
    [ "$(cat $sysfs/mem_pool_size)" = 100 ] || fail "mem_pool_size is not the hypervisor's answer"
    [ "$(cat $sysfs/remap_pool_used)" = 103 ] || fail "remap_pool_used is not the hypervisor's answer"
    grep -q "Jailhouse hypervisor" /proc/iomem || fail "hypervisor memory not claimed"
    jailhouse cell list >/tmp/out 2>&1 || fail "cell list"
    show </tmp/out
    grep -q "^0 *qemu-arm64 *running *0-1 *$" /tmp/out || fail "cell list: no root cell on CPUs 0-1"
    ok "enable"

    jailhouse cell create /etc/jailhouse/qemu-arm64-inmate-demo.cell >/tmp/out 2>&1 ||
        { show </tmp/out; fail "cell create"; }
    [ "$(cat /sys/devices/system/cpu/cpu1/online)" = 0 ] || fail "CPU 1 still online in Linux"
    [ "$(cat $sysfs/cells/1/name)" = inmate-demo ] || fail "cells/1/name"
    [ "$(cat $sysfs/cells/1/cpus_assigned_list)" = 1 ] || fail "cells/1/cpus_assigned_list"
    [ "$(cat $sysfs/cells/0/cpus_assigned_list)" = 0 ] || fail "the root cell kept CPU 1"
    [ "$(cat $sysfs/cells/1/statistics/cpu1/vmexits_total)" = 0 ] || fail "cells/1/statistics/cpu1"
    [ -e $sysfs/cells/0/statistics/cpu1 ] && fail "the root cell still has statistics/cpu1"
    [ -e $sysfs/cells/0/statistics/cpu0 ] || fail "the root cell lost statistics/cpu0"
    ok "cell create"

    jailhouse enable "$system" >/tmp/out 2>&1 && fail "enable twice succeeded"
    grep -q EBUSY /tmp/out || { show </tmp/out; fail "enable twice: no EBUSY"; }
    dmesg | grep -q "jailhouse: enable: already enabled" || fail "no kernel log line for enable twice"
    ok "enable twice"
    if [ -x "$probe" ]; then
        "$probe" enabled inmate-demo >/tmp/out 2>&1; status=$?
        show </tmp/out
        [ $status = 0 ] || fail "hostile ioctls while enabled"
        ok "hostile ioctls while enabled"
    fi

    image=/usr/lib/jailhouse/inmates/uart-hello.bin
    jailhouse cell load inmate-demo "$image" -a 0 -s hello -a 0x1000 >/tmp/out 2>&1 ||
        { show </tmp/out; fail "cell load"; }
    # The cell's RAM at guest address 0 is physical 0x7fa00000.
    [ "$(devmem 0x7fa00000 32)" = "$(hexdump -n 4 -e '1/4 "0x%08X"' "$image")" ] ||
        fail "the image is not in the cell's RAM"
    [ "$(devmem 0x7fa01000 32)" = 0x6C6C6568 ] || fail "the string is not in the cell's RAM"
    ok "cell load"
    jailhouse cell start 1 >/tmp/out 2>&1 || { show </tmp/out; fail "cell start"; }
    jailhouse cell list | show
    jailhouse cell stats inmate-demo >/tmp/out 2>&1 || fail "cell stats"
    show </tmp/out
    grep -q "^vmexits_total  *0$" /tmp/out || fail "cell stats: no vmexits_total"
    jailhouse cell shutdown inmate-demo >/tmp/out 2>&1 || { show </tmp/out; fail "cell shutdown"; }
    ok "cell start, stats, shutdown"

    jailhouse cell destroy inmate-demo >/tmp/out 2>&1 || { show </tmp/out; fail "cell destroy"; }
    [ "$(cat /sys/devices/system/cpu/cpu1/online)" = 1 ] || fail "CPU 1 did not come back"
    [ -e $sysfs/cells/1 ] && fail "cells/1 still there"
    [ "$(cat $sysfs/cells/0/cpus_assigned_list)" = 0-1 ] || fail "the root cell did not get CPU 1 back"
    [ -e $sysfs/cells/0/statistics/cpu1 ] || fail "the root cell has no statistics/cpu1 again"
    ok "cell destroy"

    # Disable with a cell in place gives its CPU back too (and, as CPU 1 is offline then, the
    # fixture's DISABLE reaches every CPU that entered it).
    jailhouse cell create /etc/jailhouse/qemu-arm64-inmate-demo.cell >/tmp/out 2>&1 ||
        { show </tmp/out; fail "cell create again"; }
    [ "$(cat /sys/devices/system/cpu/cpu1/online)" = 0 ] || fail "CPU 1 online with a cell again"
    jailhouse console >/dev/null || fail "console"
    jailhouse disable >/tmp/out 2>&1 || { show </tmp/out; fail "disable"; }
    [ "$(cat $sysfs/enabled)" = 0 ] || fail "enabled after disable"
    [ "$(cat /sys/devices/system/cpu/cpu1/online)" = 1 ] || fail "disable did not return CPU 1"
    [ -e $sysfs/cells/0 ] && fail "cells/0 still there after disable"
    grep -q "Jailhouse hypervisor" /proc/iomem && fail "hypervisor memory still claimed after disable"
    ok "disable"
fi

rmmod jailhouse || fail "rmmod"
[ -e /dev/jailhouse ] && fail "/dev/jailhouse still there after rmmod"
[ -e /sys/devices/jailhouse ] && fail "/sys/devices/jailhouse still there after rmmod"
ok "rmmod"

dmesg | grep -w -e Oops -e BUG -e WARNING | show
dmesg | grep -q -w -e Oops -e BUG -e WARNING && fail "the kernel log has an Oops, BUG or WARNING"
ok "kernel log clean"
[ -f /tmp/jailhouse.bin ] && mv /tmp/jailhouse.bin "$hypervisor"
exit 0
