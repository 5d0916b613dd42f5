#!/usr/bin/env bash
# Builds the guest-inspection test disks (committed as testdata/fixtures/guest-*.raw.xz):
#
#   guest-lvm-a.raw  64 MiB, GPT: p1 ext4 /boot (16 MiB), p2 an LVM PV
#   guest-lvm-b.raw  48 MiB, no partition table: the whole disk is the second PV
#                    VG "vg-data" spans both: root (ext4, three segments over both PVs), swap, home (striped over
#                    both PVs, 64 KiB chunks), data-1 (ext2, a dash in its name), xfs (XFS, 16 MiB). The root holds a
#                    small Debian-like tree with /etc/fstab naming /dev/mapper/vg--data-root, UUID=, LABEL= and
#                    /dev/vg-data/home, plus links, odd names, special files, a sparse file, hard links, modes.
#   guest-mbr.raw    48 MiB, MBR (label-id 0x12345678): p1 ext4 (bootable), p2 FAT (type 0c), p3 extended holding
#                    p5 ext4, p6 swap, p7 ext2. No operating system.
#   guest-whole.raw  16 MiB ext4 on the whole disk, no partition table.
#   guest-4kn-gpt.raw 32 MiB, 4096-byte sectors, GPT (fdisk -b 4096): p1 ext4, p2 ext4.
#   guest-4kn-mbr.raw 32 MiB, 4096-byte sectors, MBR: p1 ext4, p2 extended, p5 ext4.
#
# The filesystems are made on the host (mkfs -d, deterministic: fixed UUIDs, E2FSPROGS_FAKE_TIME, pinned times).
# LVM metadata is written by lvm2 on loop devices with activation disabled (no device-mapper needed; needs root),
# and the LV contents are uploaded through libguestfs, whose appliance maps them with the kernel's device-mapper:
# nothing here relies on Platter's own understanding of LVM.
#
# Needs: root (loop devices), e2fsprogs, xfsprogs, dosfstools, util-linux (sfdisk, fdisk, losetup, mkswap), gdisk,
# lvm2, libguestfs-tools (guestfish), gcc, xz.
# Usage: make-guest-disks.sh [OUTDIR]   (default: testdata/fixtures, as NAME.raw.xz; with OUTDIR, plain NAME.raw)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUTDIR="${1:-}"
WORK="$(mktemp -d)"
LOOPS=()
cleanup() {
  for l in "${LOOPS[@]}"; do losetup -d "$l" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

export E2FSPROGS_FAKE_TIME=1700000000 LVM_SUPPRESS_FD_WARNINGS=1
export LIBGUESTFS_BACKEND=${LIBGUESTFS_BACKEND:-direct}
# KVM is often unusable in containers and nested VMs (qemu aborts): TCG unless told otherwise.
export LIBGUESTFS_BACKEND_SETTINGS=${LIBGUESTFS_BACKEND_SETTINGS-force_tcg}
SEED=5a6b0000-0000-4000-8000-00000000005e
T=1700000000

# Pins every time of a tree (mke2fs -d copies them), then the ctimes of an ext image (set by -d to "now").
pin_tree() { find "$1" -exec touch -h -d @$T {} +; }
pin_ctimes() { # tree image
  (cd "$1" && find . -mindepth 1 | sed 's|^\.||' | while read -r f; do echo "sif \"$f\" ctime 20231114221320"; done
   echo 'sif / ctime 20231114221320') | debugfs -w -f - "$2" >"$WORK/debugfs.log" 2>&1 || true
  if grep -q "not found\|rror" "$WORK/debugfs.log"; then cat "$WORK/debugfs.log" >&2; return 1; fi
}
mkext() { # image size type label uuid tree [extra mkfs options...]
  local img=$1 size=$2 type=$3 label=$4 uuid=$5 tree=$6; shift 6
  truncate -s "$size" "$img"
  "mkfs.$type" -q -L "$label" -U "$uuid" -E hash_seed=$SEED -d "$tree" "$@" "$img"
  pin_ctimes "$tree" "$img"
}
# Copies a filesystem image into a disk image at a byte offset, keeping holes.
put() { dd if="$1" of="$2" bs=4096 seek=$(( $3 / 4096 )) conv=notrunc,sparse status=none; }

# --- trees ---------------------------------------------------------------------------------------------------
R="$WORK/root"
mkdir -p "$R"/{etc,usr/bin,usr/lib,usr/sbin,usr/share/zoneinfo,usr/share/doc,var/lib/dpkg,var/log,home,boot,tmp,root}
mkdir -p "$R"/srv/{links,names,special,modes,deep/a/b/c/d/e,data,xfs,order}
ln -s usr/bin "$R/bin"; ln -s usr/lib "$R/lib"; ln -s usr/sbin "$R/sbin"
cat > "$R/etc/os-release" <<'OS'
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
OS
echo "12.8" > "$R/etc/debian_version"
echo "platter-guest" > "$R/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tplatter-guest\n' > "$R/etc/hosts"
printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n' > "$R/etc/passwd"
BOOT_UUID=5a6b0000-0000-4000-8000-0000000001b0
ROOT_UUID=5a6b0000-0000-4000-8000-0000000001f0
HOME_UUID=5a6b0000-0000-4000-8000-000000000110
DATA_UUID=5a6b0000-0000-4000-8000-000000000111
XFS_UUID=5a6b0000-0000-4000-8000-000000000112
cat > "$R/etc/fstab" <<FSTAB
# /etc/fstab: static file system information.
/dev/mapper/vg--data-root  /          ext4  errors=remount-ro  0  1
UUID=$BOOT_UUID  /boot  ext4  defaults  0  2
/dev/vg-data/home          /home      ext4  defaults           0  2
/dev/mapper/vg--data-data--1  /srv/data  ext2  defaults       0  2
LABEL=lvxfs                /srv/xfs   xfs   defaults           0  2
/dev/mapper/vg--data-swap  none       swap  sw                 0  0
tmpfs                      /tmp       tmpfs defaults           0  0
proc                       /proc      proc  defaults           0  0
FSTAB
gcc -Os -s -static -nostdlib -fno-asynchronous-unwind-tables -o "$R/usr/bin/hello" "$HERE/hello.c"
cp "$R/usr/bin/hello" "$R/usr/bin/sh"
ln -s hello "$R/usr/bin/hi"
printf 'TZif2 (a stand-in)\n' > "$R/usr/share/zoneinfo/UTC"
ln -s /usr/share/zoneinfo/UTC "$R/etc/localtime"
seq 1 3000 | sed 's/^/line /' > "$R/usr/share/doc/numbers.txt"
cat > "$R/var/lib/dpkg/status" <<'DPKG'
Package: base-files
Status: install ok installed
Priority: required
Section: admin
Installed-Size: 340
Maintainer: Santiago Vila <sanvila@debian.org>
Architecture: amd64
Version: 12.4+deb12u8
Description: Debian base system miscellaneous files
 This package contains the basic filesystem hierarchy of a Debian system.

Package: removed-pkg
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0-1
Description: a package removed but not purged

Package: tzdata
Status: install ok installed
Architecture: all
Version: 2024a-0+deb12u1
Description: time zone and daylight-saving time data

Package: epoch-pkg
Status: install ok installed
Architecture: amd64
Version: 1:2.3.4-5
Description: a package with an epoch

DPKG
printf 'boot log\n' > "$R/var/log/boot.log"
# links
ln -s /etc/hostname "$R/srv/links/abs"
ln -s ../../etc/hostname "$R/srv/links/rel"
ln -s /nonexistent/target "$R/srv/links/dangling"
ln -s loop2 "$R/srv/links/loop1"
ln -s loop1 "$R/srv/links/loop2"
ln -s /usr/share "$R/srv/links/dirlink"
ln -s ../../../../../../../etc/hostname "$R/srv/links/climb"
ln -s "$(printf '/very/long/%.0s' $(seq 1 40))target" "$R/srv/links/long"
printf 'hard linked\n' > "$R/srv/links/hard1"
ln "$R/srv/links/hard1" "$R/srv/links/hard2"
# names
printf 'space\n' > "$R/srv/names/with space"
printf 'dash\n' > "$R/srv/names/-dash"
printf 'hidden\n' > "$R/srv/names/.hidden"
printf 'latin1\n' > "$R/srv/names/$(printf 'caf\xe9')"
printf 'utf8\n' > "$R/srv/names/café"
printf 'quote\n' > "$R/srv/names/it's,odd"
# special files
mkfifo "$R/srv/special/fifo"
mknod "$R/srv/special/null" c 1 3
mknod "$R/srv/special/sda" b 8 0
# modes and owners
printf '#!/bin/sh\n' > "$R/srv/modes/setuid"; chmod 4755 "$R/srv/modes/setuid"
printf '#!/bin/sh\n' > "$R/srv/modes/setgid"; chmod 2755 "$R/srv/modes/setgid"
mkdir "$R/srv/modes/sticky"; chmod 1777 "$R/srv/modes/sticky"
printf 'secret\n' > "$R/srv/modes/private"; chmod 600 "$R/srv/modes/private"
printf 'none\n' > "$R/srv/modes/none"; chmod 000 "$R/srv/modes/none"
printf 'user\n' > "$R/srv/modes/owned"; chown 1000:1000 "$R/srv/modes/owned"
printf 'big ids\n' > "$R/srv/modes/bigids"; chown 100000:200000 "$R/srv/modes/bigids"
# a sparse file: data at 0, 5 MiB and the last 3 bytes of 10 MiB
S="$R/srv/sparse.bin"
printf 'START' | dd of="$S" bs=1 seek=0 conv=notrunc status=none
printf 'MIDDLE' | dd of="$S" bs=1 seek=$((5*1024*1024)) conv=notrunc status=none
printf 'END' | dd of="$S" bs=1 seek=$((10*1024*1024 - 3)) conv=notrunc status=none
printf 'deep\n' > "$R/srv/deep/a/b/c/d/e/file"
touch "$R/srv/empty"
for n in B a C b 10 9 _x .y; do printf '%s\n' "$n" > "$R/srv/order/$n"; done
chmod 700 "$R/root"; chmod 1777 "$R/tmp"

B="$WORK/boot"
mkdir -p "$B/grub"
printf 'set default=0\nset timeout=1\n' > "$B/grub/grub.cfg"
printf 'not a real kernel\n' > "$B/vmlinuz-6.1.0-test"
printf 'CONFIG_EXT4_FS=y\n' > "$B/config-6.1.0-test"

H="$WORK/home"
mkdir -p "$H/user"
printf 'Notes kept on the home LV.\nLine two.\n' > "$H/user/notes.txt"
printf 'export PS1=guest\n' > "$H/user/.bashrc"
chown -R 1000:1000 "$H/user"

D1="$WORK/data1"
mkdir -p "$D1"
printf 'on an LV with a dash in its name\n' > "$D1/README"

X="$WORK/xfs"
mkdir -p "$X/sub"
printf 'on XFS\n' > "$X/hello.txt"
printf 'nested\n' > "$X/sub/nested.txt"

M1="$WORK/mbr1"; mkdir -p "$M1/etc"; printf 'mbr p1\n' > "$M1/etc/issue"
M5="$WORK/mbr5"; mkdir -p "$M5/docs"; seq 1 500 > "$M5/docs/list.txt"; ln -s docs/list.txt "$M5/list"
M7="$WORK/mbr7"; mkdir -p "$M7"; printf 'logical seven\n' > "$M7/seven.txt"
W="$WORK/whole"; mkdir -p "$W/dir"; printf 'whole-disk filesystem\n' > "$W/dir/file.txt"
K="$WORK/k"; mkdir -p "$K"; printf '4Kn\n' > "$K/fourk.txt"

for t in "$R" "$B" "$H" "$D1" "$X" "$M1" "$M5" "$M7" "$W" "$K"; do pin_tree "$t"; done

# --- filesystem images -------------------------------------------------------------------------------------------
mkext "$WORK/boot.img" 16M ext4 boot "$BOOT_UUID" "$B" -b 1024
mkext "$WORK/root.img" 28M ext4 root "$ROOT_UUID" "$R" -b 4096
mkext "$WORK/home.img" 16M ext4 home "$HOME_UUID" "$H" -b 4096
mkext "$WORK/data1.img" 8M ext2 data-1 "$DATA_UUID" "$D1" -b 1024
# The 2100 mtime is set after mkfs -d, which truncates post-2038 times.
debugfs -w -R "sif /srv/empty mtime 21000101000000" "$WORK/root.img" >/dev/null 2>&1
( cd "$X" && {
  echo /dummy; echo 0 0; echo 'd--755 0 0'
  echo ' hello.txt ---644 0 0' "$X/hello.txt"
  echo ' sub d--755 0 0'
  echo '  nested.txt ---644 0 0' "$X/sub/nested.txt"
  echo ' $'
  echo '$'
} > "$WORK/xfs.proto" )
truncate -s 16M "$WORK/xfs.img"
TEST_DIR=1 TEST_DEV=1 QA_CHECK_FS=1 mkfs.xfs -q -L lvxfs -m uuid=$XFS_UUID -p "$WORK/xfs.proto" "$WORK/xfs.img"
truncate -s 4M "$WORK/swap.img"; mkswap -q -L lvswap -U 5a6b0000-0000-4000-8000-000000000113 "$WORK/swap.img" >/dev/null

# --- LVM disks -------------------------------------------------------------------------------------------------
A="$WORK/guest-lvm-a.raw"; BD="$WORK/guest-lvm-b.raw"
truncate -s 64M "$A"; truncate -s 48M "$BD"
sgdisk -U 5a6b0000-0000-4000-8000-0000000000a0 \
  -n 1:2048:+16M -t 1:8300 -c 1:boot -u 1:5a6b0000-0000-4000-8000-0000000000a1 \
  -n 2:0:0 -t 2:8E00 -c 2:lvm -u 2:5a6b0000-0000-4000-8000-0000000000a2 "$A" >/dev/null
s1=$(sgdisk -i 1 "$A" | awk '/First sector/{print $3}')
s2=$(sgdisk -i 2 "$A" | awk '/First sector/{print $3}'); e2=$(sgdisk -i 2 "$A" | awk '/Last sector/{print $3}')
put "$WORK/boot.img" "$A" $(( s1 * 512 ))
L1=$(losetup -f --show -o $(( s2 * 512 )) --sizelimit $(( (e2 - s2 + 1) * 512 )) "$A"); LOOPS+=("$L1")
L2=$(losetup -f --show "$BD"); LOOPS+=("$L2")
C=(--config global/activation=0 --devices "$L1,$L2")
lvm pvcreate -q -y "${C[@]}" "$L1" "$L2"
lvm vgcreate -q "${C[@]}" -s 1M vg-data "$L1" "$L2"
lvm lvcreate -q "${C[@]}" -an -Zn -y -L 12M -n root vg-data "$L1"
lvm lvcreate -q "${C[@]}" -an -Zn -y -L 4M -n swap vg-data "$L1"
lvm lvextend -q "${C[@]}" -L 20M vg-data/root "$L1"     # a second segment, after swap
lvm lvcreate -q "${C[@]}" -an -Zn -y -i 2 -I 64k -L 16M -n home vg-data "$L1" "$L2"
lvm lvextend -q "${C[@]}" -L 28M vg-data/root "$L2"     # a third segment, on the other disk
lvm lvcreate -q "${C[@]}" -an -Zn -y -L 8M -n data-1 vg-data "$L2"
lvm lvcreate -q "${C[@]}" -an -Zn -y -L 16M -n xfs vg-data "$L2"
lvm lvs "${C[@]}" -o lv_name,seg_start_pe,seg_size_pe,stripes,stripe_size,seg_pe_ranges vg-data >&2
losetup -d "$L1" "$L2"; LOOPS=()
# Fill the LVs through the kernel's device-mapper in the libguestfs appliance.
guestfish --rw -a "$A" -a "$BD" <<EOF
run
upload $WORK/root.img /dev/vg-data/root
upload $WORK/swap.img /dev/vg-data/swap
upload $WORK/home.img /dev/vg-data/home
upload $WORK/data1.img /dev/vg-data/data-1
upload $WORK/xfs.img /dev/vg-data/xfs
EOF

# --- MBR disk --------------------------------------------------------------------------------------------------
MB="$WORK/guest-mbr.raw"
truncate -s 48M "$MB"
sfdisk -q "$MB" <<'EOF'
label: dos
label-id: 0x12345678
start=2048, size=8MiB, type=83, bootable
start=, size=4MiB, type=c
start=, size=, type=5
start=, size=12MiB, type=83
start=, size=4MiB, type=82
start=, size=8MiB, type=83
EOF
mkext "$WORK/m1.img" 8M ext4 mbrboot 5a6b0000-0000-4000-8000-000000000201 "$M1" -b 1024
mkext "$WORK/m5.img" 12M ext4 logical5 5a6b0000-0000-4000-8000-000000000205 "$M5" -b 4096
mkext "$WORK/m7.img" 8M ext2 logical7 5a6b0000-0000-4000-8000-000000000207 "$M7" -b 1024
truncate -s 4M "$WORK/vfat.img"; mkfs.vfat -n MBRFAT -i 1234abcd "$WORK/vfat.img" >/dev/null
truncate -s 4M "$WORK/m6.img"; mkswap -q -L mbrswap -U 5a6b0000-0000-4000-8000-000000000206 "$WORK/m6.img" >/dev/null
i=0
while read -r start; do
  i=$((i + 1))
  case $i in
    1) put "$WORK/m1.img" "$MB" $(( start * 512 ));;
    2) put "$WORK/vfat.img" "$MB" $(( start * 512 ));;
    4) put "$WORK/m5.img" "$MB" $(( start * 512 ));;
    5) put "$WORK/m6.img" "$MB" $(( start * 512 ));;
    6) put "$WORK/m7.img" "$MB" $(( start * 512 ));;
  esac
done < <(sfdisk -d "$MB" | awk -F'[=,]' '/start=/{gsub(/ /,"",$2); print $2}')

# --- whole-disk filesystem -------------------------------------------------------------------------------------
mkext "$WORK/guest-whole.raw" 16M ext4 whole 5a6b0000-0000-4000-8000-000000000301 "$W" -b 4096

# --- 4Kn disks (fdisk takes the logical sector size of an image file) ------------------------------------------
K1="$WORK/guest-4kn-gpt.raw"; K2="$WORK/guest-4kn-mbr.raw"
truncate -s 32M "$K1" "$K2"
printf 'g\nn\n\n\n+12M\nn\n\n\n\nw\n' | fdisk -b 4096 "$K1" >/dev/null
printf 'o\nn\np\n\n\n+12M\nn\ne\n\n\n\nn\n\n+8M\nw\n' | fdisk -b 4096 "$K2" >/dev/null
mkext "$WORK/k1.img" 12M ext4 fourk1 5a6b0000-0000-4000-8000-000000000401 "$K" -b 4096
mkext "$WORK/k2.img" 12M ext4 fourk2 5a6b0000-0000-4000-8000-000000000402 "$K" -b 4096
mkext "$WORK/k5.img" 8M ext4 fourk5 5a6b0000-0000-4000-8000-000000000405 "$K" -b 4096
kstart() { fdisk -b 4096 -l "$1" | awk -v d="$2" '$1 == d {print ($2 == "*") ? $3 : $2}'; }
put "$WORK/k1.img" "$K1" $(( $(kstart "$K1" "${K1}1") * 4096 ))
put "$WORK/k2.img" "$K1" $(( $(kstart "$K1" "${K1}2") * 4096 ))
put "$WORK/k1.img" "$K2" $(( $(kstart "$K2" "${K2}1") * 4096 ))
put "$WORK/k5.img" "$K2" $(( $(kstart "$K2" "${K2}5") * 4096 ))

for f in guest-lvm-a guest-lvm-b guest-mbr guest-whole guest-4kn-gpt guest-4kn-mbr; do
  if [ -n "$OUTDIR" ]; then
    cp --sparse=always "$WORK/$f.raw" "$OUTDIR/$f.raw"
  else
    xz -9e -T1 -c "$WORK/$f.raw" > "$HERE/../fixtures/$f.raw.xz"
    ls -l "$HERE/../fixtures/$f.raw.xz"
  fi
done
