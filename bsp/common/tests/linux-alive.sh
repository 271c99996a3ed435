#!/bin/sh
# Sourced by the hypervisor test scripts (not a test of its own): step reporting and the check
# that Linux is alive. The sourcing script sets timer_pattern, which picks its architecture's
# timer line of /proc/interrupts ("NAME: count-cpu0 count-cpu1 ...").
ok() { echo "jailhouse-test: ok $*"; }
fail() { echo "jailhouse-test: FAIL $*"; exit 1; }
show() { sed 's/^/jailhouse-test: | /'; }

# The CPUs' timer interrupt counts ($1 CPUs), space-separated.
timer_counts() {
    awk -v pattern="$timer_pattern" -v cpus="$1" '$0 ~ pattern { for (i = 2; i <= cpus + 1; i++) printf "%s ", $i; exit }' /proc/interrupts
}

# The timer ticks on CPU $1 while a process runs there. The kernel is tickless when idle (NO_HZ):
# an idle CPU may take no timer interrupt for seconds (its next timer can be the soft-lockup
# watchdog's, every 4 s), so a count read across a sleep proves nothing about a CPU nobody
# used. Here a process pinned to the CPU reads the CPU's count and keeps reading, busy, until
# it grew; only a CPU whose timer stays silent for 20 s of uptime (the clocksource, not ticks)
# under that load fails. Prints "first last seconds".
timer_ticks_on() {
    taskset -c "$1" awk -v pattern="$timer_pattern" -v column=$(($1 + 2)) -v limit=20 '
        function count(   line, f) {
            while ((getline line < "/proc/interrupts") > 0)
                if (line ~ pattern) { close("/proc/interrupts"); split(line, f, " "); return f[column] + 0 }
            close("/proc/interrupts")
            return -1
        }
        function uptime(   u) { getline u < "/proc/uptime"; close("/proc/uptime"); return u + 0 }
        BEGIN {
            first = count(); start = uptime()
            do { last = count(); waited = uptime() - start } while (last <= first && waited < limit)
            printf "%d %d %.2f\n", first, last, waited
            exit last > first ? 0 : 1
        }'
}

# Linux alive: a command, the timer ticking on every CPU under load, a process on the last CPU.
check_linux() {
    cpus=$(grep -c ^processor /proc/cpuinfo)
    [ "$(echo alive)" = alive ] || fail "$1: a shell command"
    # For the record only: the counts across an idle second (a CPU may legitimately stand still).
    before=$(timer_counts "$cpus")
    sleep 1
    after=$(timer_counts "$cpus")
    echo "timer interrupts per CPU across an idle second: $before-> $after" | show
    cpu=0
    while [ "$cpu" -lt "$cpus" ]; do
        ticks=$(timer_ticks_on "$cpu") || fail "$1: no timer interrupt on CPU $cpu while a process ran there (count, count, seconds: $ticks)"
        echo "timer on CPU $cpu under load: $ticks" | show
        cpu=$((cpu + 1))
    done
    last=$((cpus - 1))
    [ "$(taskset -c "$last" cat /proc/self/stat | cut -d ' ' -f 39)" = "$last" ] ||
        fail "$1: no process ran on CPU $last"
    ok "$1: Linux runs on $cpus CPUs"
}
