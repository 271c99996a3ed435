#!/bin/sh
# End to end on x86 (Bochs: emulated VT-x): our hypervisor (/lib/firmware/jailhouse.bin)
# under the image's Linux. jailhouse.ko loads, `jailhouse enable` starts the hypervisor on
# every CPU with the system configuration named by jailhouse.cell=FILE on the kernel command
# line (default: the board's), Linux keeps running as the root cell (commands, the timer
# interrupt on every CPU, work on the last CPU, the serial console, the RTC's ports, port I/O
# of a process with ioperm on every CPU), `jailhouse cell list`, the emulated interrupt
# controllers (the serial interrupt moved to CPU 1 and back through the IOAPIC, IPIs to
# CPU 1 through the emulated ICR), the root cell's VM exits by reason (xAPIC and
# MMIO exits among them), `jailhouse disable` leaves VMX, Linux still runs, the module unloads. Each step prints "jailhouse-test: ok STEP" or "jailhouse-test: FAIL STEP ...".
. "$(dirname "$0")/linux-alive.sh"

# The local timer line of /proc/interrupts: "LOC: count-cpu0 count-cpu1 ... Local timer interrupts"
timer_pattern='^ *LOC:'

# A process with I/O permission (ioperm) reads a port on every CPU: TR has Linux's limit
# (leaving VMX must reload it; a VM exit cuts it to 0x67, before the I/O bitmap).
port_io_on_every_cpu() {
    cpus=$(grep -c ^processor /proc/cpuinfo)
    cpu=0
    while [ "$cpu" -lt "$cpus" ]; do
        out=$(taskset -c "$cpu" /usr/lib/jailhouse/tests/ioperm-probe 2>&1) ||
            fail "$1: port I/O with ioperm on CPU $cpu: ${out:-killed}"
        cpu=$((cpu + 1))
    done
    ok "$1: port I/O with ioperm on $cpus CPUs"
}

# The serial port's interrupt count on CPU $1 (column $1 + 2 of its /proc/interrupts line).
serial_irqs() { awk -v col=$(($1 + 2)) '/ttyS0/ { print $col; exit }' /proc/interrupts; }

# The IOAPIC is emulated: moving the serial interrupt rewrites its redirection entry (a
# trapped MMIO write the hypervisor checks), and the interrupt must keep arriving on the new
# CPU. Linux moves an IOAPIC interrupt at its next occurrence, so the console is kept busy.
serial_interrupt_on_cpu1() {
    irq=$(awk -F: '/ttyS0/ { gsub(/ /, "", $1); print $1; exit }' /proc/interrupts)
    [ -n "$irq" ] || fail "no ttyS0 line in /proc/interrupts"
    echo 2 >"/proc/irq/$irq/smp_affinity" || fail "move IRQ $irq to CPU 1"
    for i in 1 2 3 4 5 6 7 8; do echo "serial interrupt moving to CPU 1 ($i)" | show; sleep 0.1; done
    before=$(serial_irqs 1)
    for i in 1 2 3 4 5 6 7 8; do echo "serial interrupt on CPU 1 ($i)" | show; sleep 0.1; done
    after=$(serial_irqs 1)
    echo "IRQ $irq (ttyS0) on CPU 1: $before -> $after" | show
    [ "$after" -gt "$before" ] || fail "the serial interrupt did not arrive on CPU 1 after moving it"
    echo 1 >"/proc/irq/$irq/smp_affinity" || fail "move IRQ $irq back to CPU 0"
    for i in 1 2 3 4; do echo "serial interrupt moving back ($i)" | show; sleep 0.1; done
    ok "serial interrupt moved to CPU 1 and back through the IOAPIC"
}

# CPU $1's rescheduling and function-call interrupts (the RES: and CAL: lines): IPIs.
ipi_count() { awk -v col=$(($1 + 2)) '/^ *(RES|CAL):/ { n += $col } END { print n + 0 }' /proc/interrupts; }

# Every ICR write is emulated: a busy process on CPU 1 moved to CPU 0 and back, by commands
# running on CPU 0, must reach CPU 1 by IPI: taking a running task off a CPU wakes that CPU's
# stopper thread, which always preempts, so CPU 0 sends CPU 1 a rescheduling IPI each time.
# (Starting processes on CPU 1 sent one only when the scheduler chose to preempt: flaky. CPU 1
# offline and online again, INIT/SIPI, does not run in Bochs 2.7: see hypervisor/README.md,
# "x86 interrupt controllers".)
ipis_reach_cpu1() {
    taskset -c 1 sh -c 'while :; do :; done' &
    busy=$!
    sleep 1
    before=$(ipi_count 1)
    for i in 1 2 3 4; do
        taskset -c 0 taskset -p -c 0 "$busy" >/dev/null || fail "move the busy process to CPU 0"
        taskset -c 0 taskset -p -c 1 "$busy" >/dev/null || fail "move the busy process back to CPU 1"
        sleep 0.2
    done
    after=$(ipi_count 1)
    kill $busy
    echo "IPIs (RES + CAL) on CPU 1: $before -> $after" | show
    [ "$after" -gt "$before" ] || fail "no IPI reached CPU 1"
    ok "IPIs reach CPU 1 through the emulated ICR"
}

board=$(cat /etc/jailhouse/board)
cell=$(sed -n 's/.*jailhouse\.cell=\([A-Za-z0-9_.-]*\).*/\1/p' /proc/cmdline)
system=/etc/jailhouse/${cell:-$board.cell}
[ -f /lib/firmware/jailhouse.bin ] || fail "no /lib/firmware/jailhouse.bin in the image"
[ -f "$system" ] || fail "no system configuration $system"
echo "system configuration $system" | show

# Only what the kernel says from here on counts (Bochs' CPU model draws a boot-time
# WARNING in fpu__init_system_xstate, long before the driver).
dmesg_before=$(dmesg | wc -l)
insmod "/lib/modules/$(uname -r)/extra/jailhouse.ko" || fail "insmod"
ok "insmod"
check_linux "before enable"
port_io_on_every_cpu "before enable"

start=$(cut -d ' ' -f 1 /proc/uptime)
jailhouse enable "$system" >/tmp/out 2>&1 || { show </tmp/out; dmesg | tail -n 5 | show; fail "enable"; }
[ "$(cat /sys/devices/jailhouse/enabled)" = 1 ] || fail "enabled is not 1"
echo "enable took $start -> $(cut -d ' ' -f 1 /proc/uptime) s of uptime" | show
# The driver's report (kernel info lines, which `quiet` keeps off the console).
dmesg | tail -n +$((dmesg_before + 1)) | grep 'jailhouse: ' | show
ok "enable"
jailhouse cell list | show
jailhouse cell list | grep -q "running" || fail "cell list shows no running root cell"
ok "cell list"
check_linux "after enable"
port_io_on_every_cpu "after enable"
# The RTC's index/data ports 0x70-0x71: the root cell's PIO list must have them (the
# crash-dump test boots a cell without them, which stops here with "Invalid PIO").
rtc=$(grep -m 1 rtc_time /proc/driver/rtc) || fail "read the RTC"
echo "$rtc" | show
ok "RTC read through the cell's ports"
echo "serial console still writes" | show
serial_interrupt_on_cpu1
ipis_reach_cpu1
stats=/sys/devices/jailhouse/cells/0/statistics
for counter in $stats/vmexits_*; do
    echo "root cell $(basename "$counter") $(cat "$counter")" | show
done
[ "$(cat $stats/vmexits_total)" -gt 0 ] || fail "no VM exits counted for the root cell"
# The local APIC's page and the IOAPIC's trap (they are emulated, not passed through).
[ "$(cat $stats/vmexits_xapic)" -gt 0 ] || fail "no xAPIC exits: the local APIC is not emulated"
[ "$(cat $stats/vmexits_mmio)" -gt 0 ] || fail "no MMIO exits: the IOAPIC is not emulated"
ok "root cell VM exits counted"
jailhouse console | show

jailhouse disable >/tmp/out 2>&1 || { show </tmp/out; dmesg | tail -n 5 | show; fail "disable"; }
[ "$(cat /sys/devices/jailhouse/enabled)" = 0 ] || fail "enabled after disable"
ok "disable"
check_linux "after disable"
port_io_on_every_cpu "after disable"

rmmod jailhouse || fail "rmmod"
ok "rmmod"

dmesg | tail -n +$((dmesg_before + 1)) >/tmp/dmesg
grep -e Oops -e "BUG:" -e "WARNING: CPU:" /tmp/dmesg | show
grep -q -e Oops -e "BUG:" -e "WARNING: CPU:" /tmp/dmesg && fail "the kernel log has an Oops, BUG or WARNING since insmod"
ok "kernel log clean"
