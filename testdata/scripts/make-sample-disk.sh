#!/usr/bin/env bash
# Builds the bundled sample guest disk: a 128 MiB raw disk with a GPT, an ext4 /boot (partition 1) and an ext4
# root (partition 2) holding a small Debian-like tree (/etc/os-release, fstab, hostname, a dpkg status file, two
# tiny binaries, /bin -> usr/bin, a 2 GiB sparse file). Deterministic: fixed UUIDs, E2FSPROGS_FAKE_TIME, pinned times.
# Needs: e2fsprogs (mkfs.ext4 -d), gdisk (sgdisk), xz; gcc for the binaries (a shell script stands in without it).
# Usage: make-sample-disk.sh [OUT.raw]   (default: testdata/fixtures/sample-disk.raw.xz is refreshed)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
OUT="${1:-}"

export E2FSPROGS_FAKE_TIME=1700000000
DISK_GUID=5a6b0000-0000-4000-8000-000000000001
BOOT_UUID=5a6b0000-0000-4000-8000-0000000000b0
ROOT_UUID=5a6b0000-0000-4000-8000-0000000000f0
SEED=5a6b0000-0000-4000-8000-00000000005e

# --- the root tree ------------------------------------------------------------------------------------------
R="$WORK/root"
mkdir -p "$R"/{etc,usr/bin,usr/share/doc,var/lib/dpkg,home/user,boot,tmp,root}
# A merged-/usr layout as on Debian 12: libguestfs (and Platter) recognise a Linux root by /etc plus /bin.
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
echo "sample" > "$R/etc/hostname"
cat > "$R/etc/fstab" <<FSTAB
# <file system>                            <mount point> <type> <options>          <dump> <pass>
UUID=$ROOT_UUID  /             ext4   errors=remount-ro  0      1
LABEL=boot                                 /boot         ext4   defaults           0      2
FSTAB
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

Package: hello-platter
Status: install ok installed
Priority: optional
Section: misc
Installed-Size: 12
Maintainer: Platter developers
Architecture: amd64
Version: 1.0-1
Description: the sample disk's hello program

DPKG
if command -v gcc >/dev/null; then
  gcc -Os -s -static -nostdlib -fno-asynchronous-unwind-tables -o "$R/usr/bin/hello" "$HERE/hello.c"
else
  printf '#!/bin/sh\necho "hello from the Platter sample disk"\n' > "$R/usr/bin/hello"
fi
chmod 755 "$R/usr/bin/hello"
ln -s hello "$R/usr/bin/hi"
printf 'Notes kept on the sample disk.\nLine two.\n' > "$R/home/user/notes.txt"
seq 1 2000 | sed 's/^/line /' > "$R/usr/share/doc/numbers.txt"
# A 2 GiB sparse file with three islands of data: start, middle, end.
S="$R/var/lib/sparse.img"
printf 'START' | dd of="$S" bs=1 seek=0 conv=notrunc status=none
printf 'MIDDLE' | dd of="$S" bs=1 seek=$((1024*1024*1024)) conv=notrunc status=none
printf 'END' | dd of="$S" bs=1 seek=$((2*1024*1024*1024 - 3)) conv=notrunc status=none
chmod 700 "$R/root"
chmod 1777 "$R/tmp"

B="$WORK/boot"
mkdir -p "$B/grub"
printf 'set default=0\nset timeout=1\n' > "$B/grub/grub.cfg"
printf 'not a real kernel\n' > "$B/vmlinuz-6.1.0-sample"

find "$R" "$B" -exec touch -h -d @1700000000 {} +

# --- the disk ----------------------------------------------------------------------------------------------
D="$WORK/sample-disk.raw"
truncate -s 128M "$D"
sgdisk -U "$DISK_GUID" \
  -n 1:2048:+32M -t 1:8300 -c 1:boot -u 1:$BOOT_UUID \
  -n 2:0:0 -t 2:8300 -c 2:root -u 2:$ROOT_UUID "$D" >/dev/null
start() { sgdisk -i "$1" "$D" | awk '/First sector/{print $3}'; }
end() { sgdisk -i "$1" "$D" | awk '/Last sector/{print $3}'; }
mkfs_part() { # n label uuid tree
  local s e
  s=$(start "$1"); e=$(end "$1")
  truncate -s $(( (e - s + 1) * 512 )) "$WORK/p$1.img"
  mkfs.ext4 -q -b 4096 -L "$2" -U "$3" -E hash_seed=$SEED -d "$4" "$WORK/p$1.img"
  # mkfs -d copies each source file's ctime, which is the time of this run: pin it.
  (cd "$4" && find . -mindepth 1 | sed 's|^\.||' | while read -r f; do echo "sif \"$f\" ctime 20231114221320"; done
   echo 'sif / ctime 20231114221320') | debugfs -w -f - "$WORK/p$1.img" >/dev/null 2>&1
  dd if="$WORK/p$1.img" of="$D" bs=512 seek="$s" conv=notrunc,sparse status=none
}
mkfs_part 1 boot "$BOOT_UUID" "$B"
mkfs_part 2 root "$ROOT_UUID" "$R"

if [ -n "$OUT" ]; then
  cp --sparse=always "$D" "$OUT"
else
  xz -9e -T1 -c "$D" > "$HERE/../fixtures/sample-disk.raw.xz"
  ls -l "$HERE/../fixtures/sample-disk.raw.xz"
fi
