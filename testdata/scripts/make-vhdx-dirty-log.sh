#!/usr/bin/env bash
# Makes a VHDX image whose log is dirty the way a crash leaves it, with qemu's own writer: qemu-io writes into a new
# block and is killed (SIGKILL, by the LD_PRELOAD shim kill-at-pwrite.c) just as it would write the BAT sector in
# place, after its log entry for that sector was written and flushed. The image's headers name the log GUID, the
# log holds the entry, the BAT does not yet point at the block: only a replay makes the block's data visible.
#
# Usage: make-vhdx-dirty-log.sh OUT.vhdx
# Output: OUT.vhdx (8 MiB disk, 1 MiB blocks; blocks 0 and 5 of 0x11 and 64 KiB of 0xa5 at 3 MiB written cleanly,
# then 4 KiB of 0x5b at 7 MiB - 4 KiB, the interrupted write: zeros without a replay), OUT.vhdx.replayed.raw
# (what qemu-img reads after `qemu-img check -r all` on a copy).
# Needs: qemu-utils (qemu-img, qemu-io), gcc.
set -euo pipefail
OUT="$1"
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
gcc -shared -fPIC -O2 -o "$WORK/kill-at-pwrite.so" "$HERE/kill-at-pwrite.c" -ldl
rm -f "$OUT"
qemu-img create -q -f vhdx -o block_size=1M "$OUT" 8M
qemu-io -f vhdx -c 'write -P 0x11 0 1M' -c 'write -P 0x11 5M 1M' -c 'write -P 0xa5 3M 64k' "$OUT" >/dev/null
# The BAT lies at 2 MiB (1 MiB log at 1 MiB); block 6's entry is in its first sector: the replay writes 2 MiB.
set +e
LD_PRELOAD="$WORK/kill-at-pwrite.so" KILL_AT_PWRITE_OFFSET=$((2 << 20)) \
  qemu-io -f vhdx -c 'write -P 0x5b 7164k 4k' "$OUT" >/dev/null 2>&1
rc=$?
set -e
[ "$rc" -eq 137 ] || { echo "qemu-io was not killed at the BAT write (exit $rc)" >&2; exit 1; }
if qemu-img info "$OUT" >/dev/null 2>&1; then
  echo "the log is not dirty: qemu-img opens it read-only" >&2
  exit 1
fi
cp --sparse=always "$OUT" "$WORK/copy.vhdx"
qemu-img check -r all "$WORK/copy.vhdx" >/dev/null
qemu-img convert -f vhdx -O raw "$WORK/copy.vhdx" "$OUT.replayed.raw"
