#!/usr/bin/env bash
# Start-up of the launcher: median wall time of `./platter --version` (jar and CDS archive already built) and of
# `./platter info` on a small raw file, beside a plain JVM hello-world and `qemu-img info` for scale.
# Usage: benchmarks/startup.sh [RUNS]   (default 21)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUNS="${1:-21}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

"$ROOT/platter" --version >/dev/null          # build and make the CDS archive if needed
cat > "$WORK/Hello.java" <<'JAVA'
public class Hello { public static void main(String[] a) { System.out.println("hello"); } }
JAVA
javac -d "$WORK" "$WORK/Hello.java"
"$ROOT/platter" create -q -f raw "$WORK/small.raw" 64M

median_ms() { # command... -> median wall time in ms over $RUNS runs
  local times=()
  for _ in $(seq "$RUNS"); do
    local s e
    s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N)
    times+=($(( (e - s) / 1000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}'
}

printf '%-44s %10s\n' "command" "median ms"
printf '%-44s %10s\n' "java Hello (plain JVM)" "$(median_ms java -cp "$WORK" Hello)"
printf '%-44s %10s\n' "./platter --version" "$(median_ms "$ROOT/platter" --version)"
printf '%-44s %10s\n' "./platter info -f raw small.raw" "$(median_ms "$ROOT/platter" info -f raw "$WORK/small.raw")"
if command -v qemu-img >/dev/null; then
  printf '%-44s %10s\n' "qemu-img info -f raw small.raw" "$(median_ms qemu-img info -f raw "$WORK/small.raw")"
fi
echo "($RUNS runs each, $(date -u +%Y-%m-%d), $(nproc) cores, $(java -version 2>&1 | head -1))"
