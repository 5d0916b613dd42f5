#!/usr/bin/env bash
# Captures what libguestfs's virt-* tools print for the dirty-journal fixtures, whose appliance kernel replays the
# ext3/ext4 journal or the XFS log when it mounts them: ext4-kernel-dirty.img.xz (make-ext-kernel-fixtures.sh),
# ext3-journal-v1.img.xz (make-ext-journal-kernel-fixtures.sh: its replay changes names, sizes and contents) and
# xfs-kernel-dirty.img.xz (make-xfs-kernel-fixtures.sh), and the three inside LVM, guest-lvm-dirty.raw.xz
# (make-guest-lvm-dirty.sh). The expected outputs of DirtyGuestsMatchLibguestfsTest:
# cli/src/test/resources/libguestfs/CASE.out (stdout) and CASE.status (exit status, then stderr). Each call boots an
# appliance (tens of seconds under TCG), so this runs by hand whenever the fixtures change. The tools add the disks
# read-only (qemu snapshot), so the copies here are never written either.
# Usage: capture-dirty-libguestfs-expected.sh [CASE...]   (default: every case)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$HERE/../.."
DEST="$ROOT/cli/src/test/resources/libguestfs"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$DEST"
export LIBGUESTFS_BACKEND=${LIBGUESTFS_BACKEND:-direct}
export LIBGUESTFS_BACKEND_SETTINGS=${LIBGUESTFS_BACKEND_SETTINGS-force_tcg}
export TZ=UTC LANG=C LC_ALL=C

cd "$WORK"
for f in ext4-kernel-dirty ext3-journal-v1 xfs-kernel-dirty; do
  xz -dc "$ROOT/testdata/fixtures/$f.img.xz" | cp --sparse=always /dev/stdin "$f.img"
done
xz -dc "$ROOT/testdata/fixtures/guest-lvm-dirty.raw.xz" | cp --sparse=always /dev/stdin guest-lvm-dirty.raw
E4=(-a ext4-kernel-dirty.img)
E3=(-a ext3-journal-v1.img)
X=(-a xfs-kernel-dirty.img)
L=(-a guest-lvm-dirty.raw)
# The case names and command lines are mirrored in DirtyGuestsMatchLibguestfsTest. The cat cases name files that the
# replay creates or changes (Platter's default output against its --no-replay output).
CASES=(
  "dirty-ext4-ls-lR|virt-ls ${E4[*]} -m /dev/sda -lR --uids --time-t --extra-stats --checksum=md5 /"
  "dirty-ext4-ls-l|virt-ls ${E4[*]} -m /dev/sda -l /k /k/after"
  "dirty-ext4-cat|virt-cat ${E4[*]} -m /dev/sda /k/after/committed-in-journal.txt /k/hl_a"
  "dirty-ext4-df|virt-df ${E4[*]}"
  "dirty-ext4-df-h|virt-df ${E4[*]} -h"
  "dirty-ext3-ls-lR|virt-ls ${E3[*]} -m /dev/sda -lR --uids --time-t --extra-stats --checksum=md5 /"
  "dirty-ext3-cat|virt-cat ${E3[*]} -m /dev/sda /r1/f46 /r0/m37"
  "dirty-ext3-df|virt-df ${E3[*]}"
  "dirty-xfs-ls-lR|virt-ls ${X[*]} -m /dev/sda -lR --uids --time-t --extra-stats --checksum=md5 /"
  "dirty-xfs-ls-l|virt-ls ${X[*]} -m /dev/sda -l /k /k/after"
  "dirty-xfs-cat|virt-cat ${X[*]} -m /dev/sda /k/after/committed-in-log.txt /k/hl_b"
  "dirty-xfs-df|virt-df ${X[*]}"
  "dirty-xfs-df-h|virt-df ${X[*]} -h"
  "dirty-lvm-ext3-ls-lR|virt-ls ${L[*]} -m /dev/vg-dirty/ext3 -lR --uids --time-t --extra-stats --checksum=md5 /"
  "dirty-lvm-ext3-cat|virt-cat ${L[*]} -m /dev/vg-dirty/ext3 /r1/f46 /r0/m37"
  "dirty-lvm-xfs-ls-l|virt-ls ${L[*]} -m /dev/vg-dirty/xfs -l /k/after"
  "dirty-lvm-df|virt-df ${L[*]}"
)
want=("$@")
for c in "${CASES[@]}"; do
  name=${c%%|*}; cmd=${c#*|}
  if [ ${#want[@]} -gt 0 ] && [[ ! " ${want[*]} " == *" $name "* ]]; then continue; fi
  echo "== $name: $cmd" >&2
  set +e; $cmd > "$DEST/$name.out" 2>"$WORK/err"; st=$?; set -e
  { echo "$st"; cat "$WORK/err"; } > "$DEST/$name.status"
done
