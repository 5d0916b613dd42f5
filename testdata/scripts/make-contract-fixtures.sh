#!/usr/bin/env bash
# Builds the fixtures of the GuestFileSystem contract suite (inspect's dev.platter.inspect.testing
# .GuestFileSystemContract): one small raw filesystem image per driver variant, each holding the same tree, made
# by the real tools. The contract test spells out the same tree; change both together.
#
# Usage: make-contract-fixtures.sh [OUTDIR]   (default: testdata/fixtures, as contract-VARIANT.img.xz)
#
# Variants: ext4 (4 KiB blocks, mke2fs defaults), ext3 (4 KiB blocks, block maps), ext2 (1 KiB blocks), all by
# mke2fs -d (rootless; a zero block of the source becomes a hole), and xfs (mkfs.xfs defaults, 32 MiB), which a
# protofile cannot make with holes: it is filled through a loop mount, so it needs root. Label "contract", fixed
# UUIDs, every time in the tree 1700000000 (ctimes and the XFS root's times are the build's).
#
# The tree (owners are the builder's: 0 when built as root, as the committed fixtures are):
#   /hello.txt          "Hello from the contract tree.\n", 0644, xattr user.contract = "tree"
#   /hardlink           a second name of /hello.txt (nlink 2)
#   /exec.sh            "#!/bin/sh\necho contract\n", 0755
#   /empty              an empty file
#   /big.bin            20000 lines "%015d\n" numbered from 1 (320000 bytes)
#   /sparse.bin         4 MiB + 100 bytes: 4096 x 'A' at 0, 4096 x 'B' at 2 MiB, holes elsewhere (a trailing one too)
#   /dir/               0750;  /dir/nested/deep.txt "deep\n";  /dir/empty/ (an empty directory)
#   /many/              name_000 ... name_199, empty files
#   /link-rel -> hello.txt          /link-abs -> /dir/nested/deep.txt     /link-dir -> dir
#   /link-long -> "./" x 96 + "hello.txt" (201 bytes: stored outside the inode)
#   /dangling -> does-not-exist     /loop-a -> loop-b     /loop-b -> loop-a     /self -> self
# Needs: e2fsprogs (mke2fs, debugfs, e2fsck), xfsprogs (mkfs.xfs, xfs_repair), mount with loop devices, python3, xz.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${1:-$HERE/../fixtures}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
WORK="$(mktemp -d)"
MNT="$WORK/mnt"
cleanup() {
  mountpoint -q "$MNT" 2>/dev/null && umount "$MNT"
  rm -rf "$WORK"
}
trap cleanup EXIT
export E2FSPROGS_FAKE_TIME=1700000000 TZ=UTC LC_ALL=C
PATH="$PATH:/sbin:/usr/sbin"
T=1700000000

# --- the tree -----------------------------------------------------------------------------------------------
R="$WORK/tree"
mkdir -p "$R"/dir/nested "$R"/dir/empty "$R"/many
printf 'Hello from the contract tree.\n' > "$R/hello.txt"
ln "$R/hello.txt" "$R/hardlink"
printf '#!/bin/sh\necho contract\n' > "$R/exec.sh"
chmod 0755 "$R/exec.sh"
: > "$R/empty"
awk 'BEGIN { for (i = 1; i <= 20000; i++) printf "%015d\n", i }' > "$R/big.bin"
truncate -s $((4 * 1048576 + 100)) "$R/sparse.bin"
head -c 4096 /dev/zero | tr '\0' 'A' | dd of="$R/sparse.bin" bs=4096 conv=notrunc status=none
head -c 4096 /dev/zero | tr '\0' 'B' | dd of="$R/sparse.bin" bs=4096 seek=512 conv=notrunc status=none
printf 'deep\n' > "$R/dir/nested/deep.txt"
for i in $(seq -f '%03g' 0 199); do : > "$R/many/name_$i"; done
ln -s hello.txt "$R/link-rel"
ln -s /dir/nested/deep.txt "$R/link-abs"
ln -s dir "$R/link-dir"
ln -s "$(printf './%.0s' $(seq 1 96))hello.txt" "$R/link-long"
ln -s does-not-exist "$R/dangling"
ln -s loop-b "$R/loop-a"
ln -s loop-a "$R/loop-b"
ln -s self "$R/self"
chmod 0644 "$R/hello.txt" "$R/empty" "$R/big.bin" "$R/sparse.bin" "$R/dir/nested/deep.txt" "$R"/many/*
chmod 0755 "$R" "$R/dir/nested" "$R/dir/empty" "$R/many"
chmod 0750 "$R/dir"
find "$R" -depth -exec touch -h -d "@$T" {} +

compress() { # IMAGE NAME
  xz -9e -T1 -c "$1" > "$OUT/$2.img.xz"
  echo "$OUT/$2.img.xz: $(stat -c %s "$OUT/$2.img.xz") bytes"
}

# --- ext2/3/4 (rootless) ------------------------------------------------------------------------------------
ext() { # NAME MKFS-OPTIONS...
  local name="$1"; shift
  local img="$WORK/$name.img"
  truncate -s 16M "$img"
  mke2fs -q -F -L contract -U 11111111-2222-3333-4444-00000000c0de -E hash_seed=aaaaaaaa-bbbb-cccc-dddd-00000000c0de \
    "$@" -d "$R" "$img"
  debugfs -w -R "ea_set /hello.txt user.contract tree" "$img" >/dev/null 2>&1
  e2fsck -fn "$img" > "$WORK/fsck.log" 2>&1 || { cat "$WORK/fsck.log"; exit 1; }
  compress "$img" "$name"
}
ext contract-ext4 -t ext4 -b 4096 -I 256
ext contract-ext3 -t ext3 -b 4096 -I 256
ext contract-ext2 -t ext2 -b 1024 -I 128

# --- XFS (root: loop mount) ---------------------------------------------------------------------------------
img="$WORK/contract-xfs.img"
truncate -s 32M "$img"
TEST_DIR=1 TEST_DEV=1 QA_CHECK_FS=1 mkfs.xfs -q -f -L contract -m uuid=11111111-2222-3333-4444-00000000c0de "$img"
mkdir -p "$MNT"
mount -o loop "$img" "$MNT"
cp -a --sparse=always "$R/." "$MNT/"
python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.contract", b"tree")' "$MNT/hello.txt"
touch -h -d "@$T" "$MNT"
umount "$MNT"
xfs_repair -n "$img" > "$WORK/fsck.log" 2>&1 || { cat "$WORK/fsck.log"; exit 1; }
compress "$img" contract-xfs
