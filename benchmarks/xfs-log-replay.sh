#!/usr/bin/env bash
# The cost of replaying a full XFS log in memory (issue 14): makes a 160 MiB XFS with a 32 MiB log, fills the log
# with committed transactions that never reach their home locations (300 rounds of 300 inode changes, each forced to
# the log, then a random tree, then a shutdown without log flush: about 23 MiB of log between tail and head, as
# much as the kernel lets build up before it pushes metadata out), and times Platter opening it with and without
# replay (XfsLogReplayCost). Needs root (loop mount) and xfsprogs; builds benchmarks/target/benchmarks.jar.
# Usage: benchmarks/xfs-log-replay.sh [RUNS] [LOG_SIZE] [ROUNDS]       (default 7, 32m, 300)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUNS="${1:-7}"; LOG="${2:-32m}"; ROUNDS="${3:-300}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(cd "$ROOT" && mvn -B -q ${MVN_ARGS:-} package -pl benchmarks -am -DskipTests)
bash "$ROOT/testdata/scripts/make-xfs-dirty-log.sh" "$WORK" full 11 "$ROUNDS" -- -l size="$LOG" -- >/dev/null
sed -n 2p "$WORK/full.logprint"
java -Xmx2g -cp "$ROOT/benchmarks/target/benchmarks.jar" dev.platter.benchmarks.XfsLogReplayCost "$WORK/full.img" "$RUNS"
