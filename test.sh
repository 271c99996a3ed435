#!/usr/bin/env bash
# The tests: set up the host, build what the tests check (every board's images),
# run every test project of Jailhouse.sln, and end with one "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")"
.ci/setup
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet cake build.cake --target=Test 2>&1 | tee "$log" || status=$?
# dotnet test prints one "Passed!/Failed!  - Failed: F, Passed: P, Skipped: S" line per test project.
awk '/(Passed|Failed)! +- +Failed:/ {
        gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit $status
