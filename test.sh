#!/usr/bin/env bash
# The tests: set up the host, run the fast tier (no images, QEMU boots or downloads), then build
# every board's images and run the slow tier (image tests, bounded fuzzing); end with one
# "N passed, N failed, N skipped" line counting both. `./test.sh --fast` runs the fast tier alone.
set -euo pipefail
cd "$(dirname "$0")"
fast_only=0
for argument in "$@"; do
    case $argument in
        --fast) fast_only=1 ;;
        *) echo "usage: ./test.sh [--fast]" >&2; exit 2 ;;
    esac
done
.ci/setup
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# CI takes a fresh machine's path: an empty package cache, so a pin Debian no longer serves is
# substituted (or, for --locked targets, refused) here instead of being hidden by a warm cache.
if [ "${CI:-}" = true ] && [ -z "${JAILHOUSE_DOWNLOADS:-}" ]; then
    JAILHOUSE_DOWNLOADS=$(mktemp -d /tmp/jailhouse-ci-debs.XXXXXX)
    export JAILHOUSE_DOWNLOADS
    echo "test.sh: CI: empty package cache $JAILHOUSE_DOWNLOADS"
fi
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

# dotnet test prints one "Passed!/Failed!  - Failed: F, Passed: P, Skipped: S" line per test project.
tier() {
    local name=$1 target=$2 status=0
    echo "test.sh: $name tier (dotnet cake --target=$target)"
    dotnet cake build.cake --target="$target" 2>&1 | tee "$logs/$name" || status=$?
    if [ $status -ne 0 ] && ! grep -qE '(Passed|Failed)! +- +Failed:' "$logs/$name"; then
        # The tier failed before its tests ran (e.g. building the images): count it as one failure.
        echo "Failed!  - Failed: 1, Passed: 0, Skipped: 0 (test.sh: the $name tier did not get to its tests)" >> "$logs/$name"
    fi
    return $status
}
status=0
tier fast TestFast || status=1
[ $fast_only = 1 ] || tier slow TestSlow || status=1
cat "$logs"/* | awk '/(Passed|Failed)! +- +Failed:/ {
        gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }'
exit $status
