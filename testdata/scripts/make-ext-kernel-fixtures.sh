#!/usr/bin/env bash
# Builds testdata/fixtures/ext4-kernel.img.xz and ext4-kernel-dirty.img.xz: structures only the Linux kernel
# writes, made through libguestfs (its appliance kernel does the writing; nothing is mounted on the host):
#   /inl2      an inline directory continued in the system.data xattr (60 + 68 bytes)
#   /k/inl     a small inline directory;  /k100  a 100-byte inline file (60 bytes in i_block, 40 in system.data)
#   /k/frag    a file fragmented into 200 extents (depth-1 extent tree)
#   /k/unwritten  fallocate'd 1 MiB with one written block: unwritten extents around a written one
#   /k/y2200, /k/y1901  epoch bits and negative times;  /k/hl_a, /k/hl_b  hard links with in-inode and block xattrs
#   /k/many    60 xattrs;  /k/sym_long  a long symlink
# The dirty copy was shut down with a transaction in the journal and an open-but-unlinked file: needs_recovery and
# an orphan. Not byte-reproducible (the kernel stamps the current time); the tests compare against debugfs run on
# the committed fixture, never against this script's expectations.
#
# Needs: e2fsprogs, libguestfs (guestfish; LIBGUESTFS_BACKEND=direct, force_tcg without KVM), xz. About a minute.
# Usage: make-ext-kernel-fixtures.sh [OUTDIR]     (default: testdata/fixtures)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${1:-$HERE/../fixtures}"
W="$(mktemp -d)"
trap 'rm -rf "$W"' EXIT
export LIBGUESTFS_BACKEND="${LIBGUESTFS_BACKEND:-direct}"
export LIBGUESTFS_BACKEND_SETTINGS="${LIBGUESTFS_BACKEND_SETTINGS:-force_tcg}"
export E2FSPROGS_FAKE_TIME=1700000000

truncate -s 16M "$W/ext4-kernel.img"
mkfs.ext4 -q -b 4096 -O inline_data,orphan_file -U 11111111-2222-3333-4444-999999999999 -L kernel "$W/ext4-kernel.img"

long=""
for i in $(seq -w 0 24); do long="$long/averyveryverylongdirectoryname$i"; done
cat > "$W/populate.gf" <<GF
run
mount /dev/sda /
mkdir /k
write /k/hl_a "hard linked via kernel\n"
ln /k/hl_a /k/hl_b
setxattr user.small "v" 1 /k/hl_a
setxattr security.selinux "system_u:object_r:etc_t:s0" 26 /k/hl_a
debug sh "setfattr -n user.big -v \$(printf %03000d 0) /sysroot/k/hl_a"
write /k/many "60 xattrs\n"
debug sh "for i in \$(seq 1 60); do setfattr -n user.attr\$i -v value\$i /sysroot/k/many; done"
debug sh "for i in \$(seq 0 2 399); do yes frag\$i | head -c 4096 | dd of=/sysroot/k/frag bs=4096 count=1 seek=\$i conv=notrunc status=none; sync /sysroot/k/frag; done"
debug sh "fallocate -l 1048576 /sysroot/k/unwritten && yes written | head -c 4096 | dd of=/sysroot/k/unwritten bs=4096 seek=1 conv=notrunc status=none"
debug sh "touch -d 2200-01-01 /sysroot/k/y2200; touch -d 1901-12-14 /sysroot/k/y1901"
debug sh "mkdir /sysroot/k/inl && touch /sysroot/k/inl/a /sysroot/k/inl/bb"
debug sh "mkdir /sysroot/inl2 && cd /sysroot/inl2 && touch aaaaaaaaaaaa bbbbbbbbbbbb cccccccccccc dddddddddddd eeeeeeeeeeee"
debug sh "printf %0100d 0 > /sysroot/k100"
ln-s $long /k/sym_long
umount-all
GF
guestfish -a "$W/ext4-kernel.img" -f "$W/populate.gf"

cp --sparse=always "$W/ext4-kernel.img" "$W/ext4-kernel-dirty.img"
cat > "$W/crash.gf" <<'GF'
run
mount /dev/sda /
mkdir /k/after
write /k/after/committed-in-journal.txt "only visible after journal replay\n"
debug sh "exec 3>/sysroot/k/orphan; echo open-but-unlinked >&3; rm /sysroot/k/orphan; sync; mkdir /sysroot/k/late; xfs_io -x -c 'shutdown -f' /sysroot/k/hl_a; exec 3>&-"
umount-all
GF
guestfish -a "$W/ext4-kernel-dirty.img" -f "$W/crash.gf" || true

e2fsck -fn "$W/ext4-kernel.img"
mkdir -p "$OUT"
for f in ext4-kernel ext4-kernel-dirty; do
  xz -9 -c "$W/$f.img" > "$OUT/$f.img.xz"
done
ls -l "$OUT"/ext4-kernel*.xz
