#!/usr/bin/env bash
# Builds testdata/fixtures/guest-lvm-dirty.raw.xz: the dirty-journal fixtures inside LVM, as a crash-consistent
# snapshot of an LVM guest holds them. 112 MiB, MBR: p1 an LVM PV, VG "vg-dirty" with the linear LVs ext3
# (ext3-journal-v1.img), ext4 (ext4-kernel-dirty.img) and xfs (xfs-kernel-dirty.img), each copied in byte for byte,
# so the journals and the log still need recovery. libguestfs's appliance writes the partition table and the LVM
# metadata with its own lvm2 and copies the filesystems without mounting them: nothing here relies on Platter.
# Needs: libguestfs-tools (guestfish), xz. Usage: make-guest-lvm-dirty.sh [OUTDIR]   (default: testdata/fixtures)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
FIX="$HERE/../fixtures"
OUT="${1:-$FIX}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export LIBGUESTFS_BACKEND=${LIBGUESTFS_BACKEND:-direct}
export LIBGUESTFS_BACKEND_SETTINGS=${LIBGUESTFS_BACKEND_SETTINGS-force_tcg}

for f in ext3-journal-v1 ext4-kernel-dirty xfs-kernel-dirty; do
  xz -dc "$FIX/$f.img.xz" | cp --sparse=always /dev/stdin "$WORK/$f.img"
done
DISK="$WORK/guest-lvm-dirty.raw"
truncate -s 112M "$DISK"
guestfish --rw -a "$DISK" <<EOF
run
part-init /dev/sda mbr
part-add /dev/sda p 2048 -1
part-set-mbr-id /dev/sda 1 0x8e
pvcreate /dev/sda1
vgcreate vg-dirty /dev/sda1
lvcreate ext3 vg-dirty 16
lvcreate ext4 vg-dirty 16
lvcreate xfs vg-dirty 64
upload $WORK/ext3-journal-v1.img /dev/vg-dirty/ext3
upload $WORK/ext4-kernel-dirty.img /dev/vg-dirty/ext4
upload $WORK/xfs-kernel-dirty.img /dev/vg-dirty/xfs
EOF
mkdir -p "$OUT"
xz -9 -T1 -c "$DISK" > "$OUT/guest-lvm-dirty.raw.xz"
ls -l "$OUT/guest-lvm-dirty.raw.xz"
