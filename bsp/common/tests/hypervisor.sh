#!/bin/sh
# End to end on arm64: our hypervisor (/lib/firmware/jailhouse.bin) under the image's Linux.
# jailhouse.ko loads, `jailhouse enable` starts the hypervisor on every CPU with the board's
# system configuration (the GICv2 one when the device tree has a GICv2), Linux keeps running
# as the root cell (commands, the timer interrupt on every CPU, work on CPU 1), `jailhouse
# disable` hands EL2 back, Linux still runs, the module unloads.
# Each step prints "jailhouse-test: ok STEP" or "jailhouse-test: FAIL STEP ..." and stops.
. "$(dirname "$0")/linux-alive.sh"

# The arch_timer line of /proc/interrupts: "IRQ: count-cpu0 count-cpu1 ... GICvN ... arch_timer"
timer_pattern=arch_timer

# SVE at EL0 on every CPU, where the CPU has it: the hypervisor must neither trap what Linux
# lets its programs use nor leave it trapped when it goes (the trap would reach Linux's stub).
check_sve() {
    grep -q -w sve /proc/cpuinfo || return 0
    cpu=0
    while [ "$cpu" -lt "$cpus" ]; do
        out=$(taskset -c "$cpu" /usr/lib/jailhouse/tests/sve-probe) || fail "$1: SVE program on CPU $cpu: $out"
        cpu=$((cpu + 1))
    done
    echo "$out" | show
    ok "$1: SVE at EL0 on $cpus CPUs"
}

board=$(cat /etc/jailhouse/board)
system=/etc/jailhouse/$board.cell
# QEMU virt's interrupt controller decides the configuration.
if grep -q "cortex-a15-gic\|gic-400" /proc/device-tree/intc@8000000/compatible 2>/dev/null; then
    system=/etc/jailhouse/$board-gicv2.cell
fi
[ -f /lib/firmware/jailhouse.bin ] || fail "no /lib/firmware/jailhouse.bin in the image"
[ -f "$system" ] || fail "no system configuration $system"
echo "system configuration $system" | show
grep arch_timer /proc/interrupts | show

insmod "/lib/modules/$(uname -r)/extra/jailhouse.ko" || fail "insmod"
ok "insmod"
check_linux "before enable"
check_sve "before enable"

jailhouse enable "$system" >/tmp/out 2>&1 || { show </tmp/out; dmesg | tail -n 5 | show; fail "enable"; }
[ "$(cat /sys/devices/jailhouse/enabled)" = 1 ] || fail "enabled is not 1"
ok "enable"
# The driver asked the MMU (AT S1E1W) whether its mapping of hypervisor memory still takes writes.
dmesg | grep -q "jailhouse: enable: hypervisor memory read-only and non-executable in the kernel" ||
    { dmesg | grep jailhouse | tail -n 5 | show; fail "hypervisor memory still writable in the kernel"; }
ok "hypervisor memory read-only in the kernel"
jailhouse cell list | show
check_linux "after enable"
check_sve "after enable"
# The root cell's traps (hypercalls, firmware calls) reach the hypervisor and are counted.
exits=$(cat /sys/devices/jailhouse/cells/0/statistics/vmexits_total)
echo "root cell vmexits_total $exits" | show
[ "$exits" -gt 0 ] || fail "no VM exits counted for the root cell"
ok "root cell VM exits counted"
# Linux's IPIs trap (GICv3 ICC_SGI1R_EL1, GICv2 GICD_SGIR: vmexits_vsgi), and its interrupts
# are taken by the hypervisor and injected through the list registers (ICH_LR<n>_EL2, GICH_LR:
# vmexits_virq). This shell's own console and timer kept it all going.
virq=$(cat /sys/devices/jailhouse/cells/0/statistics/vmexits_virq)
vsgi=$(cat /sys/devices/jailhouse/cells/0/statistics/vmexits_vsgi)
echo "root cell vmexits_virq $virq vmexits_vsgi $vsgi" | show
[ "$vsgi" -gt 0 ] || fail "no SGI of the root cell trapped"
ok "SGIs trapped"
[ "$virq" -gt 0 ] || fail "no interrupt injected into the root cell"
ok "interrupts injected through the list registers"
# The GIC distributor is emulated: routing the UART's interrupt to the last CPU and back writes
# GICD_IROUTER (GICv3) or GICD_ITARGETSR (GICv2) through the hypervisor (counted as MMIO exits),
# and the console, which this output goes through, keeps working.
mmio_before=$(cat /sys/devices/jailhouse/cells/0/statistics/vmexits_mmio)
uart_irq=$(grep pl011 /proc/interrupts | head -n 1 | cut -d: -f1 | tr -d ' ')
[ -n "$uart_irq" ] || fail "no PL011 interrupt in /proc/interrupts"
printf '%x\n' $((1 << last)) >"/proc/irq/$uart_irq/smp_affinity" || fail "route the UART interrupt to CPU $last"
echo "UART interrupt $uart_irq on CPU $last" | show
echo 1 >"/proc/irq/$uart_irq/smp_affinity" || fail "route the UART interrupt to CPU 0"
mmio_after=$(cat /sys/devices/jailhouse/cells/0/statistics/vmexits_mmio)
echo "root cell vmexits_mmio $mmio_before -> $mmio_after" | show
[ "$mmio_after" -gt "$mmio_before" ] || fail "no emulated GIC distributor access counted"
ok "GIC distributor accesses emulated"
jailhouse console | show

# A non-root cell (issue 11): the inmate-demo cell takes CPU 1 (the driver takes it offline)
# and 64 KiB of RAM, runs uart-hello (its greeting appears on this console), shows as running,
# and is destroyed: CPU 1 is Linux's again and the hypervisor's page pool is where it was;
# then once more with gic-demo.
demo=/etc/jailhouse/$board-inmate-demo.cell
# Cells print on the console's UART while the kernel may print there too (the driver's "cell
# started", CPU 1 going and coming): kernel messages stay in dmesg meanwhile, so that the
# lines matched on the console are whole.
printk_levels=$(cat /proc/sys/kernel/printk)
echo 1 >/proc/sys/kernel/printk
if [ -f "$demo" ] && [ "$cpus" -gt 1 ]; then
    pool_before=$(cat /sys/devices/jailhouse/mem_pool_used)
    jailhouse cell create "$demo" >/tmp/out 2>&1 || { show </tmp/out; dmesg | tail -n 5 | show; fail "cell create"; }
    [ "$(cat /sys/devices/system/cpu/cpu1/online)" = 0 ] || fail "cell create: CPU 1 is still online in Linux"
    ok "cell create"
    jailhouse cell load inmate-demo /usr/lib/jailhouse/inmates/uart-hello.bin >/tmp/out 2>&1 ||
        { show </tmp/out; dmesg | tail -n 5 | show; fail "cell load"; }
    jailhouse cell start inmate-demo >/tmp/out 2>&1 || { show </tmp/out; dmesg | tail -n 5 | show; fail "cell start"; }
    sleep 1
    jailhouse cell list >/tmp/out 2>&1
    show </tmp/out
    grep inmate-demo /tmp/out | grep -q -w running || fail "cell start: inmate-demo is not running"
    ok "cell runs"
    jailhouse cell stats inmate-demo >/tmp/out 2>&1 || { show </tmp/out; fail "cell stats"; }
    show </tmp/out
    grep -q "^Statistics for inmate-demo cell (id 1)" /tmp/out && grep -q "^vmexits_total " /tmp/out ||
        fail "cell stats: no statistics of inmate-demo"
    ok "cell stats"
    jailhouse cell destroy inmate-demo >/tmp/out 2>&1 || { show </tmp/out; dmesg | tail -n 5 | show; fail "cell destroy"; }
    [ "$(cat /sys/devices/system/cpu/cpu1/online)" = 1 ] || fail "cell destroy: CPU 1 is not online in Linux again"
    pool_after=$(cat /sys/devices/jailhouse/mem_pool_used)
    echo "mem_pool_used $pool_before -> $pool_after" | show
    [ "$pool_after" = "$pool_before" ] || fail "cell destroy: mem_pool_used $pool_before -> $pool_after"
    ok "cell destroy"
    check_linux "after cell destroy"
    # The C# gic-demo in the same cell: it sets up its own view of the GIC through the
    # hypervisor's emulation, its virtual timer interrupts reach its CPU and it prints its
    # latency every second on this console.
    if [ -f /usr/lib/jailhouse/inmates/gic-demo.bin ]; then
        jailhouse cell create "$demo" >/tmp/out 2>&1 || { show </tmp/out; dmesg | tail -n 5 | show; fail "gic-demo: cell create"; }
        jailhouse cell load inmate-demo /usr/lib/jailhouse/inmates/gic-demo.bin >/tmp/out 2>&1 ||
            { show </tmp/out; dmesg | tail -n 5 | show; fail "gic-demo: cell load"; }
        jailhouse cell start inmate-demo >/tmp/out 2>&1 || { show </tmp/out; dmesg | tail -n 5 | show; fail "gic-demo: cell start"; }
        sleep 3
        # Nothing of ours on the console while gic-demo prints: reports after destroy.
        jailhouse cell list >/tmp/out 2>&1
        grep inmate-demo /tmp/out | grep -q -w running || { show </tmp/out; fail "gic-demo: inmate-demo is not running"; }
        jailhouse cell destroy inmate-demo >/tmp/out 2>&1 || { show </tmp/out; dmesg | tail -n 5 | show; fail "gic-demo: cell destroy"; }
        ok "gic-demo runs"
        [ "$(cat /sys/devices/system/cpu/cpu1/online)" = 1 ] || fail "gic-demo: CPU 1 is not online in Linux again"
        [ "$(cat /sys/devices/jailhouse/mem_pool_used)" = "$pool_before" ] || fail "gic-demo: mem_pool_used changed"
        ok "gic-demo cell destroy"
        check_linux "after gic-demo"
    fi
fi

# Isolation (issue 11): an inmate that stores into the root cell's RAM is stopped by the
# hypervisor (its FATAL line names the address and the cell), the cell shows as failed, Linux
# runs on, destroys the cell and gets CPU 1 back.
writer=/usr/lib/jailhouse/tests/root-ram-writer.bin
if [ -f "$demo" ] && [ "$cpus" -gt 1 ] && [ -f "$writer" ]; then
    jailhouse cell create "$demo" >/tmp/out 2>&1 || { show </tmp/out; fail "isolation: cell create"; }
    jailhouse cell load inmate-demo "$writer" >/tmp/out 2>&1 || { show </tmp/out; fail "isolation: cell load"; }
    jailhouse cell start inmate-demo >/tmp/out 2>&1 || { show </tmp/out; fail "isolation: cell start"; }
    sleep 1
    jailhouse cell list >/tmp/out 2>&1
    show </tmp/out
    grep inmate-demo /tmp/out | grep -q -w failed || fail "isolation: the cell that wrote into root RAM is not failed"
    jailhouse cell destroy inmate-demo >/tmp/out 2>&1 || { show </tmp/out; fail "isolation: destroy of the failed cell"; }
    [ "$(cat /sys/devices/system/cpu/cpu1/online)" = 1 ] || fail "isolation: CPU 1 is not online in Linux again"
    ok "isolation: an inmate writing into root RAM is stopped and destroyed"
    check_linux "after the failed cell"
fi
echo "$printk_levels" >/proc/sys/kernel/printk

# A root-cell CPU Linux takes offline waits in the hypervisor: disable is refused until it is
# back (it would go on running EL2 code that the next enable overwrites).
echo 0 >"/sys/devices/system/cpu/cpu$last/online" || fail "take CPU $last offline"
jailhouse disable >/tmp/out 2>&1 && fail "disable with CPU $last offline succeeded"
dmesg | grep -q "disable: a CPU of the root cell is offline" || fail "no refusal for the offline CPU $last"
echo 1 >"/sys/devices/system/cpu/cpu$last/online" || fail "bring CPU $last online again"
[ "$(cat /sys/devices/jailhouse/enabled)" = 1 ] || fail "not enabled after the refused disable"
ok "disable refused while CPU $last is offline"

jailhouse disable >/tmp/out 2>&1 || { show </tmp/out; dmesg | tail -n 5 | show; fail "disable"; }
[ "$(cat /sys/devices/jailhouse/enabled)" = 0 ] || fail "enabled after disable"
ok "disable"
check_linux "after disable"
check_sve "after disable"

# Again: EL2 went back to the stub intact, and hypervisor memory is reloaded from scratch.
jailhouse enable "$system" >/tmp/out 2>&1 || { show </tmp/out; dmesg | tail -n 5 | show; fail "enable again"; }
[ "$(echo alive)" = alive ] || fail "enable again: a shell command"
jailhouse disable >/tmp/out 2>&1 || { show </tmp/out; fail "disable again"; }
ok "enable and disable again"

rmmod jailhouse || fail "rmmod"
ok "rmmod"

dmesg | grep -w -e Oops -e BUG -e WARNING | show
dmesg | grep -q -w -e Oops -e BUG -e WARNING && fail "the kernel log has an Oops, BUG or WARNING"
ok "kernel log clean"
