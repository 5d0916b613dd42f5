#!/usr/bin/env bash
# copy-in against virt-copy-in and mkfs.ext4 -d (issue 16): a tree of FILES files holding MIB MiB in total is copied
# into an empty ext4 in a qcow2 of SIZE, end to end (JVM start, open, copy, commit, close); mkfs.ext4 -d builds the
# same tree into a fresh raw filesystem of the same size. Then customize --hostname plus sysprep on the result.
# Defaults are the issue's workload (20 000 files, 1 GiB, 8 GiB); libguestfs runs once (TCG here: minutes).
# Usage: benchmarks/copy-in.sh            (from the project root, after mvn install)
#        FILES=2000 MIB=100 benchmarks/copy-in.sh
set -euo pipefail
FILES=${FILES:-20000}; MIB=${MIB:-1024}; SIZE=${SIZE:-8G}; LG=${LG:-1}
P="$(cd "$(dirname "$0")/.." && pwd)/platter"
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
export LIBGUESTFS_BACKEND=${LIBGUESTFS_BACKEND:-direct} LIBGUESTFS_BACKEND_SETTINGS=${LIBGUESTFS_BACKEND_SETTINGS:-force_tcg}

# The tree: FILES files in directories of 500, sizes spread around the mean, random bytes (incompressible).
mkdir -p "$WORK/src/app"
python3 - "$WORK/src/app" "$FILES" "$MIB" <<'PY'
import os, random, sys
root, n, mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(16)
mean = mib * 1024 * 1024 // n
for i in range(n):
    d = os.path.join(root, "d%03d" % (i // 500))
    os.makedirs(d, exist_ok=True)
    size = max(0, int(rnd.expovariate(1 / mean))) if mean else 0
    with open(os.path.join(d, "f%05d" % i), "wb") as f:
        f.write(os.urandom(size))
PY
total=$(du -sb "$WORK/src" | cut -f1)

fresh() { # fresh ext4 in a qcow2 -> $1
  rm -f "$WORK/raw" "$1"
  truncate -s "$SIZE" "$WORK/raw"; mkfs.ext4 -q -F "$WORK/raw"
  qemu-img convert -f raw -O qcow2 "$WORK/raw" "$1"; rm -f "$WORK/raw"
}
wall() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }

fresh "$WORK/p.qcow2"
sync; platter_ms=$(wall "$P" copy-in -a "$WORK/p.qcow2" -m /dev/sda "$WORK/src/app" /)
rm -f "$WORK/m.raw"; truncate -s "$SIZE" "$WORK/m.raw"; sync
mkfs_ms=$(wall mkfs.ext4 -q -F -d "$WORK/src" "$WORK/m.raw")
lg_ms="-"
if [ "$LG" -gt 0 ] && command -v virt-copy-in >/dev/null; then
  fresh "$WORK/l.qcow2"
  lg_ms=$(wall virt-copy-in -a "$WORK/l.qcow2" "$WORK/src/app" /)
fi
"$P" ls -a "$WORK/p.qcow2" -m /dev/sda /app >/dev/null   # the copy happened
qemu-img check "$WORK/p.qcow2" >/dev/null
qemu-img convert -O raw "$WORK/p.qcow2" "$WORK/check.raw"; e2fsck -fn "$WORK/check.raw" >/dev/null 2>&1; rm -f "$WORK/check.raw"

# customize --hostname and sysprep on the written guest (it has no OS: the operations find nothing to do beyond
# the hostname file, which is the point of timing them: the fixed cost of opening, resolving and committing).
cust_ms=$(wall "$P" customize -a "$WORK/p.qcow2" -m /dev/sda --hostname bench-host)
both_ms=$(wall "$P" sysprep -a "$WORK/p.qcow2" -m /dev/sda --hostname bench-2)
sysp_ms=$(wall "$P" sysprep -a "$WORK/p.qcow2" -m /dev/sda --operations machine-id,ssh-hostkeys,logfiles,bash-history,udev-persistent-net)

printf 'copy-in of %d files, %d bytes into an empty %s ext4 qcow2\n' "$FILES" "$total" "$SIZE"
printf '  platter copy-in   %8s ms\n  mkfs.ext4 -d      %8s ms  (platter / mkfs = %s)\n  virt-copy-in      %8s ms  (virt-copy-in / platter = %s)\n' \
  "$platter_ms" "$mkfs_ms" "$(awk -v a="$platter_ms" -v b="$mkfs_ms" 'BEGIN {printf "%.2f", a / b}')" \
  "$lg_ms" "$( [ "$lg_ms" = - ] && echo - || awk -v a="$lg_ms" -v b="$platter_ms" 'BEGIN {printf "%.1f", a / b}')"
printf "  customize --hostname %5s ms, sysprep (5 operations) %5s ms, sysprep --hostname (both) %5s ms\n" "$cust_ms" "$sysp_ms" "$both_ms"
echo "($(date -u +%Y-%m-%d), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), libguestfs ${LIBGUESTFS_BACKEND_SETTINGS})"
