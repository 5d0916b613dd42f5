#!/usr/bin/env bash
# SIGKILL campaign: runs each writing command of Platter on a fresh image, kills it with SIGKILL at a random moment
# of its run (the way an operator's Ctrl-C-then-kill or the OOM killer does), and checks what is left with the real
# tools: `qemu-img check` must find no corruption (leaked clusters allowed), and the content must be right (the
# snapshot data untouched, the active disk either the old or the new state, a converted target absent or complete).
#
#   reliability/sigkill-campaign.sh [KILLS_PER_COMMAND] [COMMAND...]
#
# "mid-run" counts the kills that found the command still running, "written" those after which it had already changed
# an image (or started a target): the states that test the write order. Prints one line per command and a summary
# table (the figures in docs/reliability.md come from it). Exit status 1
# if any state was corrupt or read wrong. Needs qemu-img and qemu-io; uses ./platter (built on first use).
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
KILLS="${1:-100}"
shift || true
ALL=(snapshot-create snapshot-apply snapshot-delete resize amend-refcount-bits amend-compat check-repair commit
     rebase convert-qcow2 convert-compressed convert-raw)
if [ $# -gt 0 ]; then COMMANDS=("$@"); else COMMANDS=("${ALL[@]}"); fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# Build once, then run a private copy of the jar: a rebuild during the campaign (sources edited meanwhile) must
# neither change the program under test nor be what a kill interrupts.
"$ROOT/platter" --version >/dev/null
cp "$ROOT/cli/target/platter.jar" "$WORK/platter.jar"
PLATTER="$WORK/platter"
printf '#!/bin/sh\nexec java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx512m -jar "%s" "$@"\n' "$WORK/platter.jar" \
  > "$PLATTER"
chmod +x "$PLATTER"

hash_of() { qemu-img convert -U -O raw "$1" "$WORK/h.raw" 2>/dev/null && md5sum < "$WORK/h.raw" | cut -c1-32; }
snapshot_hash() { qemu-img convert -U -l "$2" -O raw "$1" "$WORK/h.raw" 2>/dev/null && md5sum < "$WORK/h.raw" | cut -c1-32; }

# Templates: a 64 MiB qcow2 (4 KiB clusters) with 48 MiB of data, a snapshot s0, then 16 MiB rewritten.
make_templates() {
  local t="$WORK/tpl"
  mkdir -p "$t"
  qemu-img create -q -f qcow2 -o cluster_size=4096 "$t/a.qcow2" 64M
  qemu-io -f qcow2 -c 'write -P 0x11 0 48M' "$t/a.qcow2" >/dev/null
  qemu-img snapshot -c s0 "$t/a.qcow2"
  qemu-io -f qcow2 -c 'write -P 0x22 8M 16M' "$t/a.qcow2" >/dev/null
  qemu-img snapshot -c s1 "$t/a.qcow2"
  qemu-io -f qcow2 -c 'write -P 0x33 32M 8M' "$t/a.qcow2" >/dev/null
  # A chain: base (48 MiB of data) <- top (16 MiB of its own), and a second base for rebase.
  qemu-img create -q -f qcow2 -o cluster_size=4096 "$t/base.qcow2" 64M
  qemu-io -f qcow2 -c 'write -P 0x44 0 48M' "$t/base.qcow2" >/dev/null
  qemu-img create -q -f qcow2 -o cluster_size=4096 "$t/base2.qcow2" 64M
  qemu-io -f qcow2 -c 'write -P 0x55 16M 32M' "$t/base2.qcow2" >/dev/null
  qemu-img create -q -f qcow2 -o cluster_size=4096 -b base.qcow2 -F qcow2 "$t/top.qcow2"
  qemu-io -f qcow2 -c 'write -P 0x66 24M 16M' "$t/top.qcow2" >/dev/null
  # A leaky image for check -r: clusters past the end of a copy counted in use by nothing.
  cp "$t/a.qcow2" "$t/leaky.qcow2"
  make_leaks "$t/leaky.qcow2"
  qemu-img create -q -f raw "$t/src.raw" 64M
  qemu-io -f raw -c 'write -P 0x77 0 40M' -c 'write -P 0 40M 8M' "$t/src.raw" >/dev/null
}

# Counts up to 32 clusters past the end of qcow2 image $1 (4 KiB clusters, 16-bit refcounts) as used, and extends
# the file over them: leaks, as an interrupted allocation leaves them.
make_leaks() {
  python3 - "$1" <<'PY'
import struct, sys
path = sys.argv[1]
with open(path, "r+b") as f:
    h = f.read(104)
    cluster_bits = struct.unpack(">I", h[20:24])[0]
    rt_off = struct.unpack(">Q", h[48:56])[0]
    cs = 1 << cluster_bits
    per_block = cs // 2
    f.seek(0, 2)
    n = (f.tell() + cs - 1) // cs
    ti = (n - 1) // per_block
    f.seek(rt_off + 8 * ti)
    block = struct.unpack(">Q", f.read(8))[0] & ~0x1ff
    room = min(32, (ti + 1) * per_block - n)
    assert block and room > 0, "no room for leaks in the last refcount block"
    for c in range(n, n + room):
        f.seek(block + 2 * (c % per_block))
        f.write(struct.pack(">H", 1))
    f.truncate((n + room) * cs)
PY
}

# The command line for NAME, run in folder $1.
command_for() {
  case "$2" in
    snapshot-create) echo "snapshot -c s2 $1/a.qcow2" ;;
    snapshot-apply) echo "snapshot -a s0 $1/a.qcow2" ;;
    snapshot-delete) echo "snapshot -d s0 $1/a.qcow2" ;;
    resize) echo "resize $1/a.qcow2 8G" ;;
    amend-refcount-bits) echo "amend -o refcount_bits=64 $1/a.qcow2" ;;
    amend-compat) echo "amend -o compat=0.10 $1/top.qcow2" ;;
    check-repair) echo "check -r all $1/leaky.qcow2" ;;
    commit) echo "commit $1/top.qcow2" ;;
    rebase) echo "rebase -b base2.qcow2 -F qcow2 $1/top.qcow2" ;;
    convert-qcow2) echo "convert -O qcow2 $1/a.qcow2 $1/out.qcow2" ;;
    convert-compressed) echo "convert -c -O qcow2 $1/top.qcow2 $1/out.qcow2" ;;
    convert-raw) echo "convert -O raw $1/top.qcow2 $1/out.raw" ;;
  esac
}

# The images command NAME may write, in folder $1.
files_for() {
  case "$2" in
    snapshot-*|resize|amend-refcount-bits|convert-qcow2) echo "$1/a.qcow2 $1/out.qcow2" ;;
    check-repair) echo "$1/leaky.qcow2" ;;
    *) echo "$1/top.qcow2 $1/base.qcow2 $1/base2.qcow2 $1/out.qcow2" ;;
  esac
}

# Copies the templates command NAME needs into a fresh folder $1.
fresh() {
  local f
  rm -rf "$1"; mkdir -p "$1"
  case "$2" in
    snapshot-*|resize|amend-refcount-bits|convert-qcow2) f="a.qcow2" ;;
    check-repair) f="leaky.qcow2" ;;
    *) f="top.qcow2 base.qcow2 base2.qcow2" ;;
  esac
  for x in $f; do cp --sparse=always "$WORK/tpl/$x" "$1/$x"; done
}

# Whether the killed command had written anything: an image differs from its template, or a target file exists.
wrote() {
  local f
  for f in $(files_for "$1" "$2"); do
    if [ -f "$WORK/tpl/$(basename "$f")" ]; then
      cmp -s "$f" "$WORK/tpl/$(basename "$f")" || return 0
    elif [ -e "$f" ]; then
      return 0
    fi
  done
  ls -A "$1" | grep -q '^\.\?out\.' && return 0
  return 1
}

# Checks the images NAME may write in folder $1 with qemu-img check: prints "corrupt:FILE", "leaks" or "clean".
check_all() {
  local state=clean f json
  for f in $(files_for "$1" "$2"); do
    [ -f "$f" ] || continue
    json=$(qemu-img check -U --output=json "$f" 2>/dev/null)
    case $? in
      0) ;;
      3) [ "$state" = clean ] && state=leaks ;;
      *) echo "corrupt:$(basename "$f")"; return ;;
    esac
    if echo "$json" | grep -q '"corruptions": [1-9]'; then echo "corrupt:$(basename "$f")"; return; fi
  done
  echo "$state"
}

# Content check for NAME after a kill in folder $1: prints "ok" or what is wrong.
content_ok() {
  local d="$1" name="$2" h
  case "$name" in
    snapshot-*)
      local list; list=$(qemu-img snapshot -U -l "$d/a.qcow2")
      # s0 goes away with snapshot -d; every snapshot still listed must read as it did.
      if echo "$list" | grep -q ' s0 '; then
        [ "$(snapshot_hash "$d/a.qcow2" s0)" = "$S0" ] || { echo "snapshot s0 changed"; return; }
      elif [ "$name" != snapshot-delete ]; then
        echo "snapshot s0 lost"; return
      fi
      [ "$(snapshot_hash "$d/a.qcow2" s1)" = "$S1" ] || { echo "snapshot s1 changed or lost"; return; }
      h=$(hash_of "$d/a.qcow2")
      [ "$h" = "$ACTIVE" ] || [ "$h" = "$S0" ] || { echo "active content is neither old nor new"; return; } ;;
    resize|amend-refcount-bits)
      h=$(qemu-img convert -U -O raw "$d/a.qcow2" "$WORK/h.raw" 2>/dev/null && head -c 64M "$WORK/h.raw" | md5sum | cut -c1-32)
      [ "$h" = "$ACTIVE" ] || { echo "data changed"; return; } ;;
    check-repair)
      [ "$(hash_of "$d/leaky.qcow2")" = "$ACTIVE" ] || { echo "data changed"; return; } ;;
    amend-compat|commit|rebase)
      [ "$(hash_of "$d/top.qcow2")" = "$TOPVIEW" ] || { echo "the top's view changed"; return; } ;;
    convert-*)
      local out; out=$(ls "$d"/out.* 2>/dev/null | head -1)
      if [ -n "$out" ]; then
        local src="$d/a.qcow2"; [ "$name" = convert-qcow2 ] || src="$d/top.qcow2"
        qemu-img compare -U "$src" "$out" >/dev/null 2>&1 || { echo "an incomplete target under the final name"; return; }
      fi ;;
  esac
  echo ok
}

make_templates
S0=$(snapshot_hash "$WORK/tpl/a.qcow2" s0)
S1=$(snapshot_hash "$WORK/tpl/a.qcow2" s1)
ACTIVE=$(hash_of "$WORK/tpl/a.qcow2")
TOPVIEW=$(hash_of "$WORK/tpl/top.qcow2")
bad=0
printf '%-20s %6s %8s %8s %8s %8s %8s %10s\n' command kills "mid-run" "written" clean leaks corrupt "wrong-data"
for name in "${COMMANDS[@]}"; do
  d="$WORK/run"
  fresh "$d" "$name"
  # Kills are aimed after start-up: from the time a read-only open of the same image takes (JVM start, opening) to
  # the end of an uninterrupted run, where the command writes.
  first=$(files_for "$d" "$name" | cut -d' ' -f1)
  start=$(date +%s%N); $PLATTER info -U "$first" >/dev/null 2>&1; end=$(date +%s%N)
  open_ms=$(( (end - start) / 1000000 * 9 / 10 ))
  fresh "$d" "$name"
  start=$(date +%s%N); $PLATTER $(command_for "$d" "$name") >/dev/null 2>&1; end=$(date +%s%N)
  full_ms=$(( (end - start) / 1000000 ))
  [ "$open_ms" -lt "$full_ms" ] || open_ms=0
  kills=0; mid=0; written=0; clean=0; leaks=0; corrupt=0; wrong=0
  for k in $(seq 1 "$KILLS"); do
    fresh "$d" "$name"
    delay_ms=$(( open_ms + RANDOM % (full_ms - open_ms + 50) ))
    $PLATTER $(command_for "$d" "$name") >/dev/null 2>&1 & pid=$!
    sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
    if kill -9 $pid 2>/dev/null; then mid=$((mid + 1)); fi
    wait $pid 2>/dev/null
    kills=$((kills + 1))
    wrote "$d" "$name" && written=$((written + 1))
    state=$(check_all "$d" "$name")
    case "$state" in
      clean) clean=$((clean + 1)) ;;
      leaks) leaks=$((leaks + 1)) ;;
      *) corrupt=$((corrupt + 1)); bad=1; echo "  $name kill $k after ${delay_ms} ms: $state" >&2
         cp -r "$d" "$ROOT/reliability/failed-$name-$k" ;;
    esac
    c=$(content_ok "$d" "$name")
    if [ "$c" != ok ]; then
      wrong=$((wrong + 1)); bad=1; echo "  $name kill $k after ${delay_ms} ms: $c" >&2
    fi
  done
  printf '%-20s %6d %8d %8d %8d %8d %8d %10d   (run %d ms, kills from %d ms)\n' "$name" $kills $mid $written \
    $clean $leaks $corrupt $wrong "$full_ms" "$open_ms"
done
exit $bad
