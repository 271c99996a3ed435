#!/usr/bin/env bash
# The main job: set up the host, then build (and, where the board supports it,
# boot) a board. Arguments go to Cake, e.g. ./build.sh --board=qemu-x86 --target=Configs
set -euo pipefail
cd "$(dirname "$0")"
.ci/setup
exec dotnet cake build.cake "$@"
