#!/bin/sh
# Bring-up of an x86 board from its serial console: `jailhouse config collect` takes the
# snapshot `jailhouse config create --snapshot` turns into the root cell, and prints it
# gzip-compressed and base64-encoded between "jailhouse-snapshot: begin" and "... end"
# (every line prefixed "jailhouse-snapshot: "), so a boot with only a serial line to the
# machine (or Bochs) yields it; on the host ConsoleSnapshot (build/Jailhouse.Generate/Snapshot/)
# undoes the framing.
fail() { echo "jailhouse-test: FAIL $*"; exit 1; }

jailhouse config collect /tmp/snapshot.tar || fail "config collect"
echo "jailhouse-test: ok config collect ($(wc -c </tmp/snapshot.tar) bytes)"
echo "jailhouse-snapshot: begin"
gzip -9 -c /tmp/snapshot.tar | base64 | sed 's/^/jailhouse-snapshot: /'
echo "jailhouse-snapshot: end"
