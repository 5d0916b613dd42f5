#!/usr/bin/env bash
# Makes a cleanly unmounted ext3/ext4 image whose orphan list names files the kernel must delete or truncate when it
# mounts, and writes the kernel's df after it did: the oracle of ExtOrphanCleanupTest.
#
# Usage: make-ext-orphans.sh OUTDIR NAME -- MKE2FS_OPTIONS...
#
# The files are written by the kernel on a loop mount: two fragmented files (every other block punched out, so their
# extent trees have leaf blocks under index blocks on small blocks, and their block maps reach the double-indirect
# range on ext3), two files sharing one xattr block (large values, stored outside the inodes), a small file. Then,
# unmounted, debugfs links them into the orphan chain as a crash would have left it (s_last_orphan, each i_dtime
# naming the next):
#   frag-a     removed from its directory, no links left: the kernel deletes it (blocks, tree blocks, inode)
#   shared-1   the same, its xattr block still used by shared-2: the kernel only drops a reference to that block
#   frag-b     still linked, i_size cut to 45% of its blocks: the kernel truncates it to i_size (the blocks past it,
#              and the tree or indirect blocks that held only those)
#   small      still linked, i_size cut to 1000 bytes
# Output in OUTDIR: NAME.img (the crafted image), NAME.df (stat -f of the kernel's read-only mount of a copy from a
# writable loop device: block size, blocks, free, available, files, free files), NAME.dmesg (the kernel's orphan
# messages).
# Needs: root, loop devices, e2fsprogs, xfs_io (xfsprogs), attr (setfattr).
set -euo pipefail
OUT="$1"; NAME="$2"
shift 2
[ "${1:-}" = "--" ] && shift
PATH="$PATH:/sbin:/usr/sbin"
IMG="$OUT/$NAME.img"
COPY="$OUT/$NAME.kernel.img"
MNT="$(mktemp -d)"
cleanup() {
  mountpoint -q "$MNT" 2>/dev/null && umount "$MNT" || true
  rmdir "$MNT" 2>/dev/null || true
  [ -n "${LOOP:-}" ] && losetup -d "$LOOP" 2>/dev/null || true
  rm -f "$COPY"
}
trap cleanup EXIT

rm -f "$IMG"
truncate -s 64M "$IMG"
mke2fs -q -F "$@" "$IMG"
BS=$(dumpe2fs -h "$IMG" 2>/dev/null | awk -F: '/^Block size/ { print $2 + 0 }')
LOOP="$(losetup -f --show "$IMG")"
mount -t ext4 "$LOOP" "$MNT"
for f in frag-a frag-b; do
  head -c $((900 * BS)) /dev/urandom > "$MNT/$f"
  punches=()
  for ((i = 1; i < 900; i += 2)); do punches+=(-c "fpunch $((i * BS)) $BS"); done
  xfs_io "${punches[@]}" "$MNT/$f"
done
value="$(head -c 600 /dev/zero | tr "\\0" v)"
for f in shared-1 shared-2; do
  head -c 5000 /dev/urandom > "$MNT/$f"
  setfattr -n user.big -v "$value" "$MNT/$f"
done
head -c $((5 * BS + 17)) /dev/urandom > "$MNT/small"
size_b=$(stat -c %s "$MNT/frag-b")
umount "$MNT"
losetup -d "$LOOP"; LOOP=""

ino() { debugfs -R "stat /$1" "$IMG" 2>/dev/null | awk '/^Inode:/ { print $2; exit }'; }
A=$(ino frag-a); S=$(ino shared-1); B=$(ino frag-b); M=$(ino small)
debugfs -w "$IMG" >/dev/null 2>&1 <<EOF
unlink /frag-a
sif <$A> links_count 0
unlink /shared-1
sif <$S> links_count 0
sif <$B> size $((size_b * 45 / 100))
sif <$M> size 1000
sif <$A> dtime $S
sif <$S> dtime $B
sif <$B> dtime $M
sif <$M> dtime 0
ssv last_orphan $A
EOF
[ "$(dumpe2fs -h "$IMG" 2>/dev/null | awk -F: '/^First orphan inode/ { print $2 + 0 }')" = "$A" ] \
  || { echo "$NAME: debugfs did not set the orphan chain" >&2; exit 1; }

# The oracle: the kernel processes the orphans of a copy at mount (read-only, on a writable loop device).
cp --sparse=always "$IMG" "$COPY"
LOOP="$(losetup -f --show "$COPY")"
mount -t ext4 -o ro "$LOOP" "$MNT"
stat -f -c '%S %b %f %a %c %d' "$MNT" > "$OUT/$NAME.df"
umount "$MNT"
losetup -d "$LOOP"; LOOP=""
dmesg 2>/dev/null | grep -E 'orphan inode|truncate.* cleaned up' | tail -2 > "$OUT/$NAME.dmesg" || true
