#!/usr/bin/env bash
# Builds a CentOS 7-like 1 GiB disk on XFS and captures what libguestfs says of it:
#
#   disk-centos7-xfs.raw  MBR (label-id 0x000c7c7c): p1 XFS /boot (256 MiB, bootable), p2 LVM PV (type 8e) with
#                         VG "centos": LV swap (64 MiB, swap) and LV root (the rest, XFS). Both XFS filesystems
#                         with RHEL 7's mkfs defaults (v5: crc and ftype; no finobt, sparse inodes, reflink or
#                         bigtime). The root holds a small CentOS 7 tree: release files, an anaconda-style fstab
#                         (/dev/mapper/centos-root, UUID= for /boot, /dev/mapper/centos-swap), hostname, binaries.
#
# The filesystems are made on the host with mkfs.xfs protofiles; the LVM metadata by lvm2 on a loop device with
# activation disabled (needs root, no device-mapper); the LV contents are uploaded through libguestfs, whose
# kernel maps them: nothing relies on Platter's own reading of LVM or XFS.
#
# Output: testdata/fixtures/disk-centos7-xfs.raw.xz; then run capture-xfs-libguestfs-expected.sh for what the
# virt-* tools print on it. (No rpm database is made: virt-inspector is run with --no-applications.)
# Needs: root, xfsprogs, util-linux (sfdisk, losetup, mkswap), lvm2, libguestfs-tools + libguestfs-xfs, xz.
# Usage: make-xfs-centos-disk.sh [OUT.raw]    (with OUT.raw: build the disk there instead of the fixture)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$HERE/../.."
OUT="${1:-}"
WORK="$(mktemp -d)"
LOOP=""
cleanup() {
  [ -n "$LOOP" ] && losetup -d "$LOOP" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
export TEST_DIR=1 TEST_DEV=1 QA_CHECK_FS=1 LVM_SUPPRESS_FD_WARNINGS=1 TZ=UTC LANG=C LC_ALL=C
export LIBGUESTFS_BACKEND=${LIBGUESTFS_BACKEND:-direct}
export LIBGUESTFS_BACKEND_SETTINGS=${LIBGUESTFS_BACKEND_SETTINGS-force_tcg}
BOOT_UUID=c7c7c7c7-0000-4000-8000-0000000000b0
ROOT_UUID=c7c7c7c7-0000-4000-8000-0000000000f0
SWAP_UUID=c7c7c7c7-0000-4000-8000-0000000000a0
RHEL7="-m crc=1,finobt=0,reflink=0,bigtime=0,inobtcount=0,rmapbt=0 -i sparse=0 -n ftype=1"

# --- trees ---------------------------------------------------------------------------------------------------
R="$WORK/root"
mkdir -p "$R"/{etc/sysconfig,usr/bin,usr/sbin,usr/lib64,usr/lib,usr/share/doc,var/log,var/lib/rpm,home/centos}
mkdir -p "$R"/{boot,tmp,root,opt,srv,mnt,run,proc,sys,dev}
ln -s usr/bin "$R/bin"; ln -s usr/sbin "$R/sbin"; ln -s usr/lib "$R/lib"; ln -s usr/lib64 "$R/lib64"
echo "CentOS Linux release 7.9.2009 (Core)" > "$R/etc/centos-release"
ln -s centos-release "$R/etc/redhat-release"
ln -s centos-release "$R/etc/system-release"
cat > "$R/etc/os-release" <<'OS'
NAME="CentOS Linux"
VERSION="7 (Core)"
ID="centos"
ID_LIKE="rhel fedora"
VERSION_ID="7"
PRETTY_NAME="CentOS Linux 7 (Core)"
ANSI_COLOR="0;31"
CPE_NAME="cpe:/o:centos:centos:7"
HOME_URL="https://www.centos.org/"
BUG_REPORT_URL="https://bugs.centos.org/"
OS
echo "centos7-xfs.example.com" > "$R/etc/hostname"
printf 'NETWORKING=yes\nHOSTNAME=centos7-xfs.example.com\n' > "$R/etc/sysconfig/network"
cat > "$R/etc/fstab" <<FSTAB

#
# /etc/fstab
# Created by anaconda on Sat Nov 21 10:00:00 2026
#
# Accessible filesystems, by reference, are maintained under '/dev/disk'
# See man pages fstab(5), findfs(8), mount(8) and/or blkid(8) for more info
#
/dev/mapper/centos-root /                       xfs     defaults        0 0
UUID=$BOOT_UUID /boot                   xfs     defaults        0 0
/dev/mapper/centos-swap swap                    swap    defaults        0 0
FSTAB
printf 'root:x:0:0:root:/root:/bin/bash\ncentos:x:1000:1000::/home/centos:/bin/bash\n' > "$R/etc/passwd"
echo "0123456789abcdef0123456789abcdef" > "$R/etc/machine-id"
for b in bash ls cat sh; do cp /usr/bin/true "$R/usr/bin/$b"; done
printf 'centos notes\n' > "$R/home/centos/notes.txt"
seq -f 'Nov 21 10:00:%02g centos7-xfs kernel: log line' 1 60000 | cut -c1-60 > "$R/var/log/messages"
for p in bash coreutils xfsprogs lvm2 kernel systemd grub2; do
  mkdir -p "$R/usr/share/doc/$p"
  for i in $(seq 1 40); do printf 'documentation of %s, page %d\n' "$p" "$i" > "$R/usr/share/doc/$p/page$i.txt"; done
done
B="$WORK/boot"
mkdir -p "$B/grub2"
printf 'set default=0\nset timeout=5\nmenuentry "CentOS Linux (3.10.0-1160.el7.x86_64) 7 (Core)" {\n  linux16 /vmlinuz-3.10.0-1160.el7.x86_64 root=/dev/mapper/centos-root ro\n  initrd16 /initramfs-3.10.0-1160.el7.x86_64.img\n}\n' > "$B/grub2/grub.cfg"
head -c 6000000 /dev/zero | tr '\0' 'k' > "$B/vmlinuz-3.10.0-1160.el7.x86_64"
head -c 12000000 /dev/zero | tr '\0' 'i' > "$B/initramfs-3.10.0-1160.el7.x86_64.img"
printf 'CONFIG_XFS_FS=m\n' > "$B/config-3.10.0-1160.el7.x86_64"

chmod 700 "$R/root"; chmod 1777 "$R/tmp"
chown -R 1000:1000 "$R/home/centos"

# --- the disk ------------------------------------------------------------------------------------------------
D="$WORK/disk-centos7-xfs.raw"
truncate -s 1G "$D"
sfdisk -q "$D" <<'EOF2'
label: dos
label-id: 0x000c7c7c
start=2048, size=256MiB, type=83, bootable
start=, size=, type=8e
EOF2
p() { sfdisk -d "$D" | grep "^$D$1 " | sed -E 's/.*start= *([0-9]+), size= *([0-9]+).*/\1 \2/'; }
read -r S1 N1 <<<"$(p 1)"; read -r S2 N2 <<<"$(p 2)"

truncate -s $(( N1 * 512 )) "$WORK/boot.img"
"$HERE/xfs-proto-from-tree.sh" "$B" > "$WORK/boot.proto"
# shellcheck disable=SC2086
mkfs.xfs -q -f -m uuid=$BOOT_UUID $RHEL7 -p "$WORK/boot.proto" "$WORK/boot.img"
dd if="$WORK/boot.img" of="$D" bs=512 seek="$S1" conv=notrunc,sparse status=none

LOOP=$(losetup -f --show -o $(( S2 * 512 )) --sizelimit $(( N2 * 512 )) "$D")
C=(--config global/activation=0 --devices "$LOOP")
pvcreate -q -y "${C[@]}" "$LOOP"
vgcreate -q "${C[@]}" -s 4M centos "$LOOP"
lvcreate -q "${C[@]}" -an -Zn -y -L 64M -n swap centos
lvcreate -q "${C[@]}" -an -Zn -y -l 100%FREE -n root centos
ROOT_SIZE=$(lvs "${C[@]}" --units b --nosuffix --noheadings -o lv_size centos/root | tr -d ' ')
losetup -d "$LOOP"; LOOP=""

truncate -s "$ROOT_SIZE" "$WORK/root.img"
"$HERE/xfs-proto-from-tree.sh" "$R" > "$WORK/root.proto"
# shellcheck disable=SC2086
mkfs.xfs -q -f -m uuid=$ROOT_UUID $RHEL7 -p "$WORK/root.proto" "$WORK/root.img"
truncate -s 64M "$WORK/swap.img"
mkswap -q -U "$SWAP_UUID" "$WORK/swap.img"
guestfish -a "$D" <<GF
run
upload $WORK/root.img /dev/centos/root
upload $WORK/swap.img /dev/centos/swap
GF

if [ -n "$OUT" ]; then
  cp --sparse=always "$D" "$OUT"
  exit 0
fi
xz -9e -T1 -c "$D" > "$ROOT/testdata/fixtures/disk-centos7-xfs.raw.xz"
ls -l "$ROOT/testdata/fixtures/disk-centos7-xfs.raw.xz"
# What libguestfs says of it: testdata/scripts/capture-xfs-libguestfs-expected.sh
