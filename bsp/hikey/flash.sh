#!/bin/sh
# Flash the HiKey's eMMC from this directory. Put the board in fastboot mode
# first (recovery jumpers: 1-2 and 5-6 closed, 3-4 open; then the l-loader and
# fastboot images of the 96Boards recovery flow).
set -e
cd "$(dirname "$0")"
fastboot flash ptable ptable.img
fastboot flash boot boot.img
i=0
while [ -f "system.sparse-$i.img" ]; do
    fastboot flash system "system.sparse-$i.img"
    i=$((i + 1))
done
fastboot reboot
