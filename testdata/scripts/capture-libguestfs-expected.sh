#!/usr/bin/env bash
# Captures what libguestfs's virt-* tools print for the guest test disks (testdata/fixtures/guest-*.raw.xz and
# sample-disk.raw.xz), as the expected outputs of Platter's guest-command tests:
# cli/src/test/resources/libguestfs/CASE.out (stdout) and CASE.status (exit status, then stderr).
# libguestfs boots an appliance per call (tens of seconds under TCG), so this runs once, by hand, whenever the
# fixtures change; the tests then compare against the committed files without needing libguestfs.
# Usage: capture-libguestfs-expected.sh [CASE...]   (default: every case)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$HERE/../.."
DEST="$ROOT/cli/src/test/resources/libguestfs"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$DEST"
export LIBGUESTFS_BACKEND=${LIBGUESTFS_BACKEND:-direct}
export LIBGUESTFS_BACKEND_SETTINGS=${LIBGUESTFS_BACKEND_SETTINGS-force_tcg}
export TZ=UTC LANG=C LC_ALL=C

cd "$WORK"
for f in guest-lvm-a guest-lvm-b guest-mbr guest-whole guest-4kn-gpt guest-4kn-mbr sample-disk; do
  xz -dc "$ROOT/testdata/fixtures/$f.raw.xz" | cp --sparse=always /dev/stdin "$f.raw"
done
LVM=(-a guest-lvm-a.raw -a guest-lvm-b.raw)
MBR=(-a guest-mbr.raw)

# name, then the command line (run in $WORK, where the disks are).
CASES=(
  "fs-lvm-all-long-uuid|virt-filesystems ${LVM[*]} --all --long --uuid"
  "fs-lvm-all-long-h|virt-filesystems ${LVM[*]} --all --long -h"
  "fs-lvm-all-csv|virt-filesystems ${LVM[*]} --all --long --uuid --csv"
  "fs-lvm-plain|virt-filesystems ${LVM[*]}"
  "fs-lvm-long|virt-filesystems ${LVM[*]} --long"
  "fs-lvm-extra-parts|virt-filesystems ${LVM[*]} --extra --partitions --long"
  "df-lvm|virt-df ${LVM[*]}"
  "df-lvm-h|virt-df ${LVM[*]} -h"
  "df-lvm-i|virt-df ${LVM[*]} -i"
  "df-lvm-csv|virt-df ${LVM[*]} --csv"
  "ls-lvm-root|virt-ls ${LVM[*]} / /srv/order /srv/names"
  "ls-lvm-l|virt-ls ${LVM[*]} -l / /srv/order /srv/special /srv/modes /srv/links /home/user /boot"
  "ls-lvm-R|virt-ls ${LVM[*]} -R /srv"
  "ls-lvm-lR-extra|virt-ls ${LVM[*]} -lR --uids --time-t --extra-stats --checksum=sha256 /srv"
  "ls-lvm-lR-csv|virt-ls ${LVM[*]} -lR --csv --uids --times --checksum /"
  "ls-lvm-lR-h|virt-ls ${LVM[*]} -lR -h --time-t /home"
  "ls-lvm-lR-crc|virt-ls ${LVM[*]} -lR --checksum=crc /srv/names /usr/bin"
  "cat-lvm|virt-cat ${LVM[*]} /etc/fstab /srv/links/abs /home/user/notes.txt /srv/data/README /srv/xfs/sub/nested.txt"
  "cat-lvm-missing|virt-cat ${LVM[*]} /nonexistent"
  "inspector-lvm|virt-inspector ${LVM[*]}"
  "fs-mbr-all-long-uuid|virt-filesystems ${MBR[*]} --all --long --uuid"
  "fs-mbr-all-long-h-csv|virt-filesystems ${MBR[*]} --all --long --csv"
  "df-mbr|virt-df ${MBR[*]}"
  "df-mbr-h|virt-df ${MBR[*]} -h"
  "df-mbr-i-csv|virt-df ${MBR[*]} -i --csv"
  "ls-mbr-m|virt-ls ${MBR[*]} -m /dev/sda5 -lR --time-t /"
  "ls-mbr-m2|virt-ls ${MBR[*]} -m /dev/sda1 -m /dev/sda7:/etc/seven -l /etc /etc/seven"
  "inspector-mbr|virt-inspector ${MBR[*]}"
  "fs-whole|virt-filesystems -a guest-whole.raw --all --long --uuid"
  "df-whole|virt-df -a guest-whole.raw"
  "fs-4kn-gpt|virt-filesystems --blocksize=4096 -a guest-4kn-gpt.raw --all --long --uuid"
  "fs-4kn-mbr|virt-filesystems --blocksize=4096 -a guest-4kn-mbr.raw --all --long --uuid"
  "df-4kn-mbr|virt-df --blocksize=4096 -a guest-4kn-mbr.raw"
  "fs-sample|virt-filesystems -a sample-disk.raw --all --long -h"
  "df-sample-h|virt-df -a sample-disk.raw -h"
  "ls-sample|virt-ls -a sample-disk.raw -l /"
  "cat-sample|virt-cat -a sample-disk.raw /etc/os-release"
  "inspector-sample|virt-inspector -a sample-disk.raw"
  "tar-lvm|virt-tar-out ${LVM[*]} /srv TAR"
  "copy-lvm|virt-copy-out ${LVM[*]} /srv /home/user /etc/hostname COPY"
)

want=("$@")
for c in "${CASES[@]}"; do
  name=${c%%|*}; cmd=${c#*|}
  if [ ${#want[@]} -gt 0 ] && [[ ! " ${want[*]} " == *" $name "* ]]; then continue; fi
  echo "== $name: $cmd" >&2
  out="$DEST/$name.out"
  case $name in
    tar-*)
      rm -f "$WORK/out.tar"
      set +e; ${cmd/TAR/$WORK/out.tar} 2>"$WORK/err"; st=$?; set -e
      # The listing in archive order, numeric owners, as the tests print Platter's tarball.
      tar --numeric-owner -tvf "$WORK/out.tar" > "$out"
      ;;
    copy-*)
      rm -rf "$WORK/copy"; mkdir "$WORK/copy"
      set +e; ${cmd/COPY/$WORK/copy} 2>"$WORK/err"; st=$?; set -e
      # Type, mode, owner, size, allocated KiB, mtime, path, link target: sorted by path.
      (cd "$WORK/copy" && find . -mindepth 1 -printf '%y %m %U:%G %s %k %T@ %p %l\n' | LC_ALL=C sort -k7) > "$out"
      ;;
    *)
      set +e; $cmd > "$out" 2>"$WORK/err"; st=$?; set -e
      ;;
  esac
  { echo "$st"; cat "$WORK/err"; } > "$DEST/$name.status"
done
