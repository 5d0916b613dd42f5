#!/usr/bin/env bash
# The guest commands on XFS, end to end through ./platter (JVM start-up included), beside libguestfs's virt-* tools
# for the same call on the same image: a 1 GiB qcow2 guest (GPT, XFS /boot, XFS root with RHEL-like mkfs defaults,
# a tree of a few thousand files, a 100 MiB file and a directory of 20 000 names), made here with mkfs.xfs -p,
# sgdisk and qemu-img (no root needed).
# Prints a table of median wall times (Platter: RUNS runs; libguestfs: LG_RUNS runs, default 1 as each boots an
# appliance). libguestfs runs with LIBGUESTFS_BACKEND=direct and, unless set otherwise, force_tcg.
# Usage: benchmarks/guest-xfs.sh [RUNS] [LG_RUNS]      (default 5 and 1; LG_RUNS=0 skips libguestfs)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUNS="${1:-5}"
LG_RUNS="${2:-1}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export LIBGUESTFS_BACKEND=${LIBGUESTFS_BACKEND:-direct}
export LIBGUESTFS_BACKEND_SETTINGS=${LIBGUESTFS_BACKEND_SETTINGS-force_tcg}
export TZ=UTC TEST_DIR=1 TEST_DEV=1 QA_CHECK_FS=1
P="$ROOT/platter"
PROTO="$ROOT/testdata/scripts/xfs-proto-from-tree.sh"
"$P" --version >/dev/null          # build the jar and the CDS archive first

# --- the image -------------------------------------------------------------------------------------------------
R="$WORK/root"
mkdir -p "$R"/{etc,usr/bin,usr/share/doc,var/lib,var/spool/many,boot,home,tmp}
ln -s usr/bin "$R/bin"
printf 'NAME="Rocky Linux"\nID="rocky"\nVERSION_ID="9.3"\nPRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"\n' \
  > "$R/etc/os-release"
echo "Rocky Linux release 9.3 (Blue Onyx)" > "$R/etc/redhat-release"
echo bench-xfs > "$R/etc/hostname"
printf 'UUID=5a6b0000-0000-4000-8000-00000000bf01 / xfs defaults 0 0\nUUID=5a6b0000-0000-4000-8000-00000000bf00 /boot xfs defaults 0 0\n' \
  > "$R/etc/fstab"
for i in $(seq 1 40); do
  d="$R/usr/share/doc/package-$i"
  mkdir -p "$d"
  for j in $(seq 1 50); do seq 1 $((j * 20)) > "$d/file-$j.txt"; done
  ln -s "file-1.txt" "$d/README"
done
for i in $(seq 1 30); do printf 'tool %s\n' "$i" > "$R/usr/bin/tool$i"; chmod 755 "$R/usr/bin/tool$i"; done
head -c $((100 << 20)) /dev/urandom > "$R/var/lib/big.bin"
: > "$WORK/empty"
B="$WORK/boot"; mkdir -p "$B/grub2"; echo 'set timeout=1' > "$B/grub2/grub.cfg"
RAW="$WORK/guest.raw"; IMG="$WORK/guest.qcow2"
truncate -s 1G "$RAW"
sgdisk -n 1:2048:+300M -t 1:8300 -n 2:0:0 -t 2:8300 "$RAW" >/dev/null
start() { sgdisk -i "$1" "$RAW" | awk '/First sector/{print $3}'; }
end() { sgdisk -i "$1" "$RAW" | awk '/Last sector/{print $3}'; }
mkpart() { # n uuid protofile
  local s e
  s=$(start "$1"); e=$(end "$1")
  truncate -s $(( (e - s + 1) * 512 )) "$WORK/p$1.img"
  mkfs.xfs -q -m uuid="$2",bigtime=0,inobtcount=0 -p "$3" "$WORK/p$1.img"
  dd if="$WORK/p$1.img" of="$RAW" bs=1M seek=$(( s * 512 / 1048576 )) conv=notrunc,sparse status=none
  rm "$WORK/p$1.img"
}
"$PROTO" "$B" > "$WORK/boot.proto"
# The root, plus /var/spool/many: 20 000 empty files (a node-form directory with a btree fork).
"$PROTO" "$R" > "$WORK/root.proto"
# Splice the big directory in place of the empty /var/spool/many.
awk -v n=20000 -v f="$WORK/empty" '{ print } /^   many d--755 0 0$/ { for (i = 1; i <= n; i++) printf "    name-%06d ---644 0 0 %s\n", i, f }' \
  "$WORK/root.proto" > "$WORK/root2.proto"
mkpart 1 5a6b0000-0000-4000-8000-00000000bf00 "$WORK/boot.proto"
mkpart 2 5a6b0000-0000-4000-8000-00000000bf01 "$WORK/root2.proto"
qemu-img convert -O qcow2 "$RAW" "$IMG"
rm "$RAW"

# --- timing ------------------------------------------------------------------------------------------------------
CASES=(
  "filesystems -a IMG --all --long -h|virt-filesystems -a IMG --all --long -h"
  "df -a IMG -h|virt-df -a IMG -h"
  "ls -a IMG -l /etc|virt-ls -a IMG -l /etc"
  "ls -a IMG -lR /usr/share/doc|virt-ls -a IMG -lR /usr/share/doc"
  "ls -a IMG -l /var/spool/many|virt-ls -a IMG -l /var/spool/many"
  "cat -a IMG /etc/os-release|virt-cat -a IMG /etc/os-release"
  "cat -a IMG /var/spool/many/name-012345|virt-cat -a IMG /var/spool/many/name-012345"
  "inspector -a IMG|virt-inspector -a IMG"
  "copy-out -a IMG /etc OUT|virt-copy-out -a IMG /etc OUT"
  "tar-out -a IMG /usr/share/doc TAR|virt-tar-out -a IMG /usr/share/doc TAR"
)
TITLE="command (1 GiB qcow2 XFS guest)"
# shellcheck source=benchmarks/guest-timing.sh
. "$ROOT/benchmarks/guest-timing.sh"
