#!/usr/bin/env bash
# Builds the committed XFS fixtures whose structures only the Linux kernel writes (xattrs in every fork shape,
# ACLs, hard links, fragmented files with bmap btrees, unwritten extents, sparse files past 4 GiB, bigtime and
# pre-1970 times, v5 remote symlinks with their header, sockets, directories after deletions, a dirty log), and
# next to each one what the kernel itself reports about it (NAME.expected), the oracle for the tests.
#
# Usage: make-xfs-kernel-fixtures.sh [OUTDIR]     (default: testdata/fixtures)
# Needs: xfsprogs, libguestfs-tools + libguestfs-xfs (runs the appliance under TCG: ~30 s a launch), xz.
# Output: xfs-kernel-v5.img.xz, xfs-kernel-v4.img.xz, xfs-kernel-1k.img.xz, xfs-kernel-dirty.img.xz and their
# .expected.xz files (find/stat/md5sum/getfattr/statvfs as seen by the kernel, plus virt-df's output).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="$(cd "${1:-$HERE/../fixtures}" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export TEST_DIR=1 TEST_DEV=1 QA_CHECK_FS=1
export LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg

populate() { # img blocksize
  guestfish -a "$1" <<GF
run
mount /dev/sda /
debug-upload $HERE/xfs-kernel-populate.sh /tmp/populate.sh 0755
debug sh "/tmp/populate.sh $2"
mknod 0140644 0 0 /k/sock
umount-all
GF
}

dump() { # img name
  {
    guestfish --ro -a "$1" <<GF
run
mount-ro /dev/sda /
debug-upload $HERE/xfs-kernel-dump.sh /tmp/dump.sh 0755
debug sh /tmp/dump.sh
GF
    echo '# virt-df'
    virt-df --csv -a "$1" | sed 1d
    virt-df --csv -i -a "$1" | sed 1d
  } > "$OUT/$2.expected"
}

build() { # name blocksize mkfs-options...
  local name="$1" bs="$2"; shift 2
  local img="$WORK/$name.img"
  truncate -s 64M "$img"
  mkfs.xfs -q -L "${name#xfs-}" -m uuid=22222222-3333-4444-5555-666666666666 "$@" "$img"
  populate "$img" "$bs"
  xfs_repair -n "$img" > "$WORK/$name.repair" 2>&1 || { cat "$WORK/$name.repair"; exit 1; }
  dump "$img" "$name"
  xz -9e -T1 -f "$OUT/$name.expected"
  xz -9e -T1 -c "$img" > "$OUT/$name.img.xz"
}

build xfs-kernel-v5 4096
build xfs-kernel-v4 4096 -m crc=0 -i size=256 -n ftype=0
build xfs-kernel-1k 1024 -b size=1024

# A dirty log: new files written, then the filesystem shut down without unmounting.
cp --sparse=always "$WORK/xfs-kernel-v5.img" "$WORK/xfs-kernel-dirty.img"
printf '#!/bin/sh\nxfs_io -x -c "shutdown -f" /sysroot\n' > "$WORK/shutdown.sh"
guestfish -a "$WORK/xfs-kernel-dirty.img" <<GF || true
run
mount /dev/sda /
mkdir /k/after
write /k/after/committed-in-log.txt "only visible after log replay\n"
debug-upload $WORK/shutdown.sh /tmp/shutdown.sh 0755
debug sh /tmp/shutdown.sh
GF
{
  echo '# xfs_logprint -t'
  xfs_logprint -t "$WORK/xfs-kernel-dirty.img" 2>&1 | grep -E 'state:|head:'
  echo '# virt-df'
  virt-df --csv -a "$WORK/xfs-kernel-dirty.img" | sed 1d
} > "$OUT/xfs-kernel-dirty.expected"
xz -9e -T1 -f "$OUT/xfs-kernel-dirty.expected"
xz -9e -T1 -c "$WORK/xfs-kernel-dirty.img" > "$OUT/xfs-kernel-dirty.img.xz"
ls -l "$OUT"/xfs-kernel-*
