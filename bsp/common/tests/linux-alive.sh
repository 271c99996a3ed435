#!/bin/sh
# Sourced by the hypervisor test scripts (not a test of its own): step reporting and the check
# that Linux is alive. The sourcing script defines timer_counts CPUS, which prints the CPUs'
# timer interrupt counts, space-separated, from its architecture's line of /proc/interrupts.
ok() { echo "jailhouse-test: ok $*"; }
fail() { echo "jailhouse-test: FAIL $*"; exit 1; }
show() { sed 's/^/jailhouse-test: | /'; }

# Every CPU's timer count grew between two readings ($1 and $2, space-separated).
timer_grew() {
    echo "$1|$2" | awk -F '|' '{ n = split($1, a, " "); split($2, b, " ");
        for (i = 1; i <= n; i++) if (b[i] + 0 <= a[i] + 0) exit 1 }'
}
# Linux alive: a command, the timer ticking on every CPU across a sleep, a process on the last CPU.
check_linux() {
    cpus=$(grep -c ^processor /proc/cpuinfo)
    [ "$(echo alive)" = alive ] || fail "$1: a shell command"
    before=$(timer_counts "$cpus")
    sleep 1
    after=$(timer_counts "$cpus")
    echo "timer interrupts per CPU: $before-> $after" | show
    timer_grew "$before" "$after" || fail "$1: the timer interrupt count did not grow on every CPU"
    last=$((cpus - 1))
    [ "$(taskset -c "$last" cat /proc/self/stat | cut -d ' ' -f 39)" = "$last" ] ||
        fail "$1: no process ran on CPU $last"
    ok "$1: Linux runs on $cpus CPUs"
}
