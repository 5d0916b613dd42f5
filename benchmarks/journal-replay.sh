#!/usr/bin/env bash
# The cost of jbd2 replay: an ext4 filesystem of 2 GiB (sparse) with a 128 MiB journal (32768 blocks of 4 KiB)
# filled by debugfs's journal_write to about 120 MiB of logged blocks in 7 transactions (csum v3), opened through
# ./platter df with replay (the default) and with --no-replay; wall time and peak RSS of the whole command (JVM
# start-up included) by /usr/bin/time, median of RUNS (default 5). Needs e2fsprogs. Writes only in a temporary folder.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
P="$ROOT/platter"
RUNS="${RUNS:-5}"
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
PATH="$PATH:/sbin:/usr/sbin"

mke2fs -q -F -t ext4 -b 4096 -J size=128 "$W/big.img" 2G
PER=4400
head -c $((PER * 4096)) < <(yes "logged block contents for the replay benchmark") > "$W/blocks.bin"
{
  for t in $(seq 0 6); do
    first=$((400000 + t * PER))
    echo "jo -c"
    echo "jw -b $first-$((first + PER - 1)) $W/blocks.bin"
    echo "jc"
  done
} > "$W/cmds"
debugfs -w -f "$W/cmds" "$W/big.img" >/dev/null 2>&1
logged=$(debugfs -R logdump "$W/big.img" 2>/dev/null | grep -c 'descriptor block' || true)
echo "journal: $(dumpe2fs -h "$W/big.img" 2>/dev/null | grep -E '^Journal (size|features)' | tr -s ' ' | paste -sd';' -)," \
     "$logged descriptor blocks, $((7 * PER)) logged blocks ($((7 * PER * 4 / 1024)) MiB)"
"$P" df -a "$W/big.img" >/dev/null 2>&1 || true   # builds the CLI if needed, warms the page cache

run() { # label, args...
  local label=$1; shift
  local walls=() rss=()
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f '%e %M' -o "$W/time" "$P" "$@" >/dev/null 2>"$W/err"
    read -r e m < "$W/time"
    walls+=("$(awk -v e="$e" 'BEGIN {printf "%d", e * 1000}')"); rss+=("$m")
  done
  med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  printf '%-34s %8s ms %8s MiB peak RSS\n' "$label" "$(med "${walls[@]}")" "$(( $(med "${rss[@]}") / 1024 ))"
}
run "df (replay, the default)" df -a "$W/big.img"
grep -h 'journal' "$W/err" || true
"$P" filesystems --long -a "$W/big.img" 2>&1 >/dev/null | grep note || true
run "df --no-replay" df --no-replay -a "$W/big.img"
echo "(median of $RUNS runs; $(date -u +%Y-%m-%d), $(nproc) cores, $(java -version 2>&1 | head -1)," \
     "load average $(cut -d' ' -f1-3 /proc/loadavg))"
