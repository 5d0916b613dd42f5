#!/usr/bin/env bash
# Builds the encrypted guest disks, laid out as installers lay out "encrypted LVM":
#
#   guest-luks1.raw  56 MiB, GPT: p1 ext4 /boot (8 MiB), p2 LUKS1 (40 MiB: aes-xts-plain64, 512-bit key, PBKDF2
#                    sha256) holding an LVM PV, VG "luks1-vg": root (XFS, 16 MiB) and swap (4 MiB).
#   guest-luks2.raw  the same with LUKS2 (argon2id keyslot, 4096-byte sectors, so XFS with 4096-byte sectors too)
#                    and VG "luks2-vg".
#
# The root holds a small Debian-like tree (/etc/os-release, fstab naming /dev/mapper/VG-root, UUID= for /boot and
# /dev/mapper/VG-swap, crypttab, hostname, dpkg status, /usr/bin/sh as a tiny static ELF binary, /bin -> usr/bin).
# Passphrases: "platter-luks-one" (guest-luks1) and "platter-luks-two" (guest-luks2).
#
# Who writes what: mke2fs, mkfs.xfs and mkswap make the filesystems; lvm2 writes the PV and VG on a loop device of
# the clear-text payload (activation disabled: no device-mapper needed, but root for the loop device); cryptsetup
# formats the LUKS partition (on a plain file); the libguestfs appliance, whose kernel has device-mapper, opens it
# and writes the payload through dm-crypt, then reads it back decrypted (checked against what was written). Nothing
# relies on Platter.
#
# Kept small: the LUKS2 key-slot area is 256 KiB (--luks2-keyslots-size; cryptsetup's default is 16 MiB of random
# filler), the KDFs cheap (PBKDF2 1000 iterations; argon2id 4 iterations, 32 MiB, 1 thread), and in the LUKS1 header
# the seven unused key-material areas, which cryptsetup fills with random bytes nothing ever reads, are zeroed.
# An encrypted payload does not compress, so what is committed is the disk with its payload in the clear
# (NAME.plain.raw.xz) and a recipe (NAME.luks: cipher, volume key, payload place, sector size, SHA-256 of the real
# disk); testdata's LuksFixtures encrypts the payload again and checks the SHA-256, so tests (and
# capture-luks-libguestfs-expected.sh) read byte for byte the disk made here. This script checks that rebuild too.
#
# Needs: root (loop devices), e2fsprogs, xfsprogs, util-linux (losetup, mkswap), gdisk (sgdisk), lvm2, cryptsetup,
# libguestfs-tools (guestfish), gcc, a JDK (java), xz.
# Usage: make-guest-luks.sh [OUTDIR]   (default: testdata/fixtures, as NAME.plain.raw.xz and NAME.luks; with
#                                       OUTDIR, the plain NAME.raw disks there instead); KEEP_WORK=1 keeps the work folder
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUTDIR="${1:-}"
WORK="$(mktemp -d)"
LOOP=""
cleanup() {
  [ -n "$LOOP" ] && losetup -d "$LOOP" 2>/dev/null || true
  [ -n "${KEEP_WORK:-}" ] && echo "kept $WORK" >&2 || rm -rf "$WORK"
}
trap cleanup EXIT
export E2FSPROGS_FAKE_TIME=1700000000 LVM_SUPPRESS_FD_WARNINGS=1 TEST_DIR=1 TEST_DEV=1 QA_CHECK_FS=1
export LIBGUESTFS_BACKEND=${LIBGUESTFS_BACKEND:-direct}
export LIBGUESTFS_BACKEND_SETTINGS=${LIBGUESTFS_BACKEND_SETTINGS-force_tcg}
SEED=5a6b0000-0000-4000-8000-00000000005e
T=1700000000

build() { # N (1 or 2)
  local n=$1 vg="luks$1-vg" pw key luks_uuid boot_uuid root_uuid swap_uuid d
  case $n in 1) pw=platter-luks-one;; 2) pw=platter-luks-two;; esac
  luks_uuid=5a6b0000-0000-4000-8000-00000000c${n}00
  boot_uuid=5a6b0000-0000-4000-8000-00000000c${n}b0
  root_uuid=5a6b0000-0000-4000-8000-00000000c${n}f0
  swap_uuid=5a6b0000-0000-4000-8000-00000000c${n}5a
  d="$WORK/$n"; mkdir -p "$d"

  # --- trees --------------------------------------------------------------------------------------------------
  local R="$d/root" B="$d/boot"
  mkdir -p "$R"/{etc,usr/bin,usr/share/doc,var/lib/dpkg,var/log,home/user,boot,tmp,root,srv/secret}
  ln -s usr/bin "$R/bin"
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
  echo "luks$n-guest" > "$R/etc/hostname"
  printf '127.0.0.1\tlocalhost\n127.0.1.1\tluks%s-guest\n' "$n" > "$R/etc/hosts"
  printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n' > "$R/etc/passwd"
  local m="${vg//-/--}"
  cat > "$R/etc/fstab" <<FSTAB
# /etc/fstab: static file system information.
/dev/mapper/$m-root  /      xfs   defaults  0  0
UUID=$boot_uuid  /boot  ext4  defaults  0  2
/dev/mapper/$m-swap  none   swap  sw        0  0
FSTAB
  printf 'sda2_crypt UUID=%s none luks,discard\n' "$luks_uuid" > "$R/etc/crypttab"
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

Package: cryptsetup
Status: install ok installed
Architecture: amd64
Version: 2:2.6.1-4~deb12u2
Description: disk encryption support - startup scripts

Package: lvm2
Status: install ok installed
Architecture: amd64
Version: 2.03.16-2
Description: Linux Logical Volume Manager

DPKG
  gcc -Os -s -static -nostdlib -fno-asynchronous-unwind-tables -o "$R/usr/bin/sh" "$HERE/hello.c"
  seq 1 400 | sed 's/^/line /' > "$R/usr/share/doc/numbers.txt"
  printf 'kept behind LUKS%s\n' "$n" > "$R/srv/secret/notes.txt"
  ln -s notes.txt "$R/srv/secret/link"
  printf 'boot log\n' > "$R/var/log/boot.log"
  printf 'export PS1=guest\n' > "$R/home/user/.profile"
  chown -R 1000:1000 "$R/home/user"
  chmod 700 "$R/root"; chmod 1777 "$R/tmp"; chmod 750 "$R/srv/secret"
  mkdir -p "$B/grub"
  printf 'set default=0\nset timeout=1\n' > "$B/grub/grub.cfg"
  printf 'not a real kernel\n' > "$B/vmlinuz-6.1.0-test"
  find "$R" "$B" -exec touch -h -d @$T {} +

  # --- filesystems --------------------------------------------------------------------------------------------
  truncate -s 8M "$d/boot.img"
  mkfs.ext4 -q -b 1024 -L boot -U "$boot_uuid" -E hash_seed=$SEED -d "$B" "$d/boot.img"
  truncate -s 16M "$d/root.img"
  "$HERE/xfs-proto-from-tree.sh" "$R" > "$d/root.proto"
  # LUKS2 maps 4096-byte sectors, and XFS cannot be mounted on a device whose sectors are larger than its own: make
  # it as mkfs.xfs makes it on the opened device (sector size 4096), as an installer does.
  local xs=512; [ "$n" = 2 ] && xs=4096
  mkfs.xfs -q -L root -m uuid="$root_uuid" -s size=$xs -p "$d/root.proto" "$d/root.img"
  truncate -s 4M "$d/swap.img"
  mkswap -q -L swap -U "$swap_uuid" "$d/swap.img" >/dev/null

  # --- the LUKS partition and its clear-text payload ----------------------------------------------------------
  local disk="$d/guest-luks$n.raw" part="$d/part.img" payload="$d/payload.img"
  head -c 64 /dev/urandom > "$d/volume.key"
  printf '%s' "$pw" > "$d/pw"
  truncate -s 40M "$part"
  if [ "$n" = 1 ]; then
    cryptsetup luksFormat -q --type luks1 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --hash sha256 \
      --cipher aes-xts-plain64 --key-size 512 --volume-key-file "$d/volume.key" --uuid "$luks_uuid" \
      --key-file "$d/pw" "$part"
    # Key slots 1-7 are disabled, but cryptsetup fills their key-material areas (from slot 1's, at byte 296 of the
    # header, big-endian sectors, up to the payload) with random bytes that nothing reads: zero them.
    local km po
    km=$(( 16#$(od -An -v -tx1 -j 296 -N 4 "$part" | tr -d ' \n') ))
    po=$(( 16#$(od -An -v -tx1 -j 104 -N 4 "$part" | tr -d ' \n') ))
    dd if=/dev/zero of="$part" bs=512 seek="$km" count=$(( po - km )) conv=notrunc status=none
  else
    cryptsetup luksFormat -q --type luks2 --pbkdf argon2id --pbkdf-force-iterations 4 --pbkdf-memory 32768 \
      --pbkdf-parallel 1 --hash sha256 --cipher aes-xts-plain64 --key-size 512 --luks2-keyslots-size 256k \
      --volume-key-file "$d/volume.key" --uuid "$luks_uuid" --key-file "$d/pw" "$part" 2>"$d/format.err" \
      || { cat "$d/format.err" >&2; exit 1; }   # (its only other output: "keyslots area ... is very small")
  fi
  cryptsetup open --test-passphrase --key-file "$d/pw" "$part"
  cryptsetup luksDump "$part" > "$d/luksDump.txt"
  local off sector
  if [ "$n" = 1 ]; then
    off=$(( $(awk '/Payload offset/{print $3}' "$d/luksDump.txt") * 512 )); sector=512
  else
    off=$(awk '/^Data segments/{f=1} f && /offset:/{print $2; exit}' "$d/luksDump.txt")
    sector=$(awk '/^Data segments/{f=1} f && /sector:/{print $2; exit}' "$d/luksDump.txt")
  fi
  local plen=$(( 40 * 1024 * 1024 - off ))
  truncate -s "$plen" "$payload"
  LOOP=$(losetup -f --show "$payload")
  local C=(--config global/activation=0 --devices "$LOOP")
  lvm pvcreate -q -y "${C[@]}" "$LOOP"
  lvm vgcreate -q "${C[@]}" -s 4M "$vg" "$LOOP"
  lvm lvcreate -q "${C[@]}" -an -Zn -y -L 16M -n root "$vg"
  lvm lvcreate -q "${C[@]}" -an -Zn -y -L 4M -n swap "$vg"
  local pe_start rs ss
  pe_start=$(lvm pvs "${C[@]}" --units b --nosuffix --noheadings -o pe_start "$LOOP" | tr -d ' ')
  rs=$(lvm lvs "${C[@]}" --noheadings -o seg_pe_ranges "$vg/root" | sed -E 's/.*:([0-9]+)-.*/\1/')
  ss=$(lvm lvs "${C[@]}" --noheadings -o seg_pe_ranges "$vg/swap" | sed -E 's/.*:([0-9]+)-.*/\1/')
  losetup -d "$LOOP"; LOOP=""
  dd if="$d/root.img" of="$payload" bs=1M seek=$(( (pe_start + rs * 4194304) / 1048576 )) conv=notrunc status=none
  dd if="$d/swap.img" of="$payload" bs=1M seek=$(( (pe_start + ss * 4194304) / 1048576 )) conv=notrunc status=none

  # --- the disk: GPT, /boot, the LUKS partition; the payload written through dm-crypt ---------------------------
  truncate -s 56M "$disk"
  sgdisk -U 5a6b0000-0000-4000-8000-00000000c${n}d0 \
    -n 1:2048:+8M -t 1:8300 -c 1:boot -u 1:5a6b0000-0000-4000-8000-00000000c${n}d1 \
    -n 2:0:+40M -t 2:8309 -c 2:crypt -u 2:5a6b0000-0000-4000-8000-00000000c${n}d2 "$disk" >/dev/null
  local s1 s2
  s1=$(sgdisk -i 1 "$disk" | awk '/First sector/{print $3}')
  s2=$(sgdisk -i 2 "$disk" | awk '/First sector/{print $3}')
  dd if="$d/boot.img" of="$disk" bs=512 seek="$s1" conv=notrunc,sparse status=none
  dd if="$part" of="$disk" bs=512 seek="$s2" conv=notrunc,sparse status=none
  guestfish --rw --keys-from-stdin <<EOF
add $disk format:raw
add $payload format:raw readonly:true
run
cryptsetup-open /dev/sda2 cryptsda2
$pw
copy-device-to-device /dev/sdb /dev/mapper/cryptsda2
sync
download /dev/mapper/cryptsda2 $d/decrypted.img
EOF
  cmp "$payload" "$d/decrypted.img"

  # --- what is committed: the disk with its payload in the clear, and the recipe --------------------------------
  cp --sparse=always "$disk" "$d/plain.raw"
  dd if="$payload" of="$d/plain.raw" bs=512 seek=$(( s2 + off / 512 )) conv=notrunc status=none
  cat > "$d/recipe" <<R
# guest-luks$n.raw from guest-luks$n.plain.raw.xz (testdata/scripts/make-guest-luks.sh, testdata LuksFixtures):
# the LUKS$n payload of partition 2 is stored decrypted; encrypting it again gives the disk whose SHA-256 is below.
cipher=aes-xts-plain64
volume-key=$(od -An -v -tx1 "$d/volume.key" | tr -d ' \n')
payload-offset=$(( s2 * 512 + off ))
payload-length=$plen
sector-size=$sector
sha256=$(sha256sum "$disk" | cut -d' ' -f1)
R
  cp --sparse=always "$d/plain.raw" "$d/rebuilt.raw"
  java "$HERE/../src/main/java/dev/platter/testdata/LuksFixtures.java" "$d/rebuilt.raw" "$d/recipe"
  cmp "$disk" "$d/rebuilt.raw"
  echo "guest-luks$n: payload at $(( s2 * 512 + off )) ($plen bytes, $sector-byte sectors), rebuild checked" >&2

  if [ -n "$OUTDIR" ]; then
    cp --sparse=always "$disk" "$OUTDIR/guest-luks$n.raw"
  else
    xz -9e -T1 -c "$d/plain.raw" > "$HERE/../fixtures/guest-luks$n.plain.raw.xz"
    cp "$d/recipe" "$HERE/../fixtures/guest-luks$n.luks"
    ls -l "$HERE/../fixtures/guest-luks$n.plain.raw.xz" "$HERE/../fixtures/guest-luks$n.luks"
  fi
}

build 1
build 2
