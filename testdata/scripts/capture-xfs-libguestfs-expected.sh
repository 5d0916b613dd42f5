#!/usr/bin/env bash
# Captures what libguestfs's virt-* tools print for the XFS fixtures (disk-centos7-xfs.raw.xz, xfs-kernel-v5.img.xz,
# xfs-kernel-v4.img.xz), as the expected outputs of XfsMatchesLibguestfsTest: cli/src/test/resources/libguestfs/
# CASE.out (stdout) and CASE.status (exit status, then stderr). Each call boots an appliance (tens of seconds under
# TCG), so this runs by hand whenever the fixtures change.
# Usage: capture-xfs-libguestfs-expected.sh [CASE...]   (default: every case)
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
xz -dc "$ROOT/testdata/fixtures/disk-centos7-xfs.raw.xz" | cp --sparse=always /dev/stdin disk-centos7-xfs.raw
for f in xfs-kernel-v5 xfs-kernel-v4; do
  xz -dc "$ROOT/testdata/fixtures/$f.img.xz" | cp --sparse=always /dev/stdin "$f.img"
done
C=(-a disk-centos7-xfs.raw)
# The case names and command lines are mirrored in XfsMatchesLibguestfsTest.
CASES=(
  "xfs-centos-fs|virt-filesystems ${C[*]} --all --long --uuid"
  "xfs-centos-fs-h-csv|virt-filesystems ${C[*]} --all --long -h --csv"
  "xfs-centos-df|virt-df ${C[*]}"
  "xfs-centos-df-i|virt-df ${C[*]} -i"
  "xfs-centos-df-h|virt-df ${C[*]} -h"
  "xfs-centos-ls-lR|virt-ls ${C[*]} -lR --uids --time-t --extra-stats --checksum=md5 /"
  "xfs-centos-ls-boot|virt-ls ${C[*]} -l /boot /etc"
  "xfs-centos-cat|virt-cat ${C[*]} /etc/fstab /etc/redhat-release /boot/grub2/grub.cfg"
  "xfs-centos-inspector|virt-inspector ${C[*]} --no-applications"
  "xfs-kernel-v5-ls-lR|virt-ls -a xfs-kernel-v5.img -m /dev/sda -lR --uids --time-t --extra-stats /"
  "xfs-kernel-v5-ls-l|virt-ls -a xfs-kernel-v5.img -m /dev/sda -l /k /k/sub"
  "xfs-kernel-v5-ls-crc|virt-ls -a xfs-kernel-v5.img -m /dev/sda -lR --checksum=crc /k/sub /k/del"
  "xfs-kernel-v5-cat|virt-cat -a xfs-kernel-v5.img -m /dev/sda /k/hl_b /k/sym_short /k/tailhole /k/unwritten"
  "xfs-kernel-v5-df|virt-df -a xfs-kernel-v5.img"
  "xfs-kernel-v4-ls-lR|virt-ls -a xfs-kernel-v4.img -m /dev/sda -lR --uids --time-t --extra-stats /k"
  "xfs-kernel-v4-df-i|virt-df -a xfs-kernel-v4.img -i"
)
want=("$@")
for c in "${CASES[@]}"; do
  name=${c%%|*}; cmd=${c#*|}
  if [ ${#want[@]} -gt 0 ] && [[ ! " ${want[*]} " == *" $name "* ]]; then continue; fi
  echo "== $name: $cmd" >&2
  set +e; $cmd > "$DEST/$name.out" 2>"$WORK/err"; st=$?; set -e
  { echo "$st"; cat "$WORK/err"; } > "$DEST/$name.status"
  # Large outputs (whole sparse files) are kept gzipped; the test reads NAME.out.gz when NAME.out is absent.
  rm -f "$DEST/$name.out.gz"
  if [ "$(stat -c %s "$DEST/$name.out")" -gt 262144 ]; then gzip -n -9 "$DEST/$name.out"; fi
done
