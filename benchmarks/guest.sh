#!/usr/bin/env bash
# The guest commands, end to end through ./platter (JVM start-up included), beside libguestfs's virt-* tools for
# the same call on the same image: a 1 GiB qcow2 guest (GPT, ext4 /boot, ext4 root with a Debian-like tree of a few
# thousand files and a 100 MiB file), made here with mkfs.ext4 -d, sgdisk and qemu-img.
# Prints a table of median wall times (Platter: RUNS runs; libguestfs: LG_RUNS runs, default 1 as each boots an
# appliance), and Platter's median CPU time (user + system), which a busy machine inflates far less than wall time;
# the load average is printed with the table. libguestfs runs with LIBGUESTFS_BACKEND=direct and, unless set
# otherwise, force_tcg.
# Usage: benchmarks/guest.sh [RUNS] [LG_RUNS]      (default 5 and 1; LG_RUNS=0 skips libguestfs)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUNS="${1:-5}"
LG_RUNS="${2:-1}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export LIBGUESTFS_BACKEND=${LIBGUESTFS_BACKEND:-direct}
export LIBGUESTFS_BACKEND_SETTINGS=${LIBGUESTFS_BACKEND_SETTINGS-force_tcg}
export E2FSPROGS_FAKE_TIME=1700000000 TZ=UTC
P="$ROOT/platter"
"$P" --version >/dev/null          # build the jar and the CDS archive first

# --- the image -------------------------------------------------------------------------------------------------
R="$WORK/root"
mkdir -p "$R"/{etc,usr/bin,usr/share/doc,var/lib/dpkg,boot,home,tmp}
ln -s usr/bin "$R/bin"
printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n' > "$R/etc/os-release"
echo 12.8 > "$R/etc/debian_version"
echo bench > "$R/etc/hostname"
printf 'UUID=5a6b0000-0000-4000-8000-00000000be01 / ext4 defaults 0 1\nLABEL=bootb /boot ext4 defaults 0 2\n' \
  > "$R/etc/fstab"
for i in $(seq 1 40); do
  d="$R/usr/share/doc/package-$i"
  mkdir -p "$d"
  for j in $(seq 1 50); do seq 1 $((j * 20)) > "$d/file-$j.txt"; done
  ln -s "file-1.txt" "$d/README"
done
for i in $(seq 1 30); do printf 'tool %s\n' "$i" > "$R/usr/bin/tool$i"; chmod 755 "$R/usr/bin/tool$i"; done
head -c $((100 << 20)) /dev/urandom > "$R/var/lib/big.bin"
printf 'Package: base-files\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.4\nDescription: base\n\n' \
  > "$R/var/lib/dpkg/status"
B="$WORK/boot"; mkdir -p "$B/grub"; echo 'set timeout=1' > "$B/grub/grub.cfg"
RAW="$WORK/guest.raw"; IMG="$WORK/guest.qcow2"
truncate -s 1G "$RAW"
sgdisk -n 1:2048:+100M -t 1:8300 -n 2:0:0 -t 2:8300 "$RAW" >/dev/null
start() { sgdisk -i "$1" "$RAW" | awk '/First sector/{print $3}'; }
end() { sgdisk -i "$1" "$RAW" | awk '/Last sector/{print $3}'; }
mkpart() { # n label uuid tree
  local s e
  s=$(start "$1"); e=$(end "$1")
  truncate -s $(( (e - s + 1) * 512 )) "$WORK/p$1.img"
  mkfs.ext4 -q -L "$2" -U "$3" -d "$4" "$WORK/p$1.img"
  dd if="$WORK/p$1.img" of="$RAW" bs=1M seek=$(( s * 512 / 1048576 )) conv=notrunc,sparse status=none
  rm "$WORK/p$1.img"
}
mkpart 1 bootb 5a6b0000-0000-4000-8000-00000000be00 "$B"
mkpart 2 rootb 5a6b0000-0000-4000-8000-00000000be01 "$R"
qemu-img convert -O qcow2 "$RAW" "$IMG"
rm "$RAW"

# --- timing ------------------------------------------------------------------------------------------------------
CASES=(
  "filesystems -a IMG --all --long -h|virt-filesystems -a IMG --all --long -h"
  "df -a IMG -h|virt-df -a IMG -h"
  "ls -a IMG -l /etc|virt-ls -a IMG -l /etc"
  "ls -a IMG -lR /usr/share/doc|virt-ls -a IMG -lR /usr/share/doc"
  "cat -a IMG /etc/os-release|virt-cat -a IMG /etc/os-release"
  "inspector -a IMG|virt-inspector -a IMG"
  "copy-out -a IMG /etc OUT|virt-copy-out -a IMG /etc OUT"
  "tar-out -a IMG /usr/share/doc TAR|virt-tar-out -a IMG /usr/share/doc TAR"
)
TITLE="command (1 GiB qcow2 guest)"
# shellcheck source=benchmarks/guest-timing.sh
. "$ROOT/benchmarks/guest-timing.sh"
