#!/usr/bin/env bash
# Captures what libguestfs 1.48's virt-* tools print for the encrypted guest disks (guest-luks1.raw and
# guest-luks2.raw, rebuilt from testdata/fixtures/guest-luksN.plain.raw.xz and guest-luksN.luks as the tests rebuild
# them; see make-guest-luks.sh): the expected outputs of LuksGuestsMatchLibguestfsTest,
# cli/src/test/resources/libguestfs/CASE.out (stdout) and CASE.status (exit status, then stderr).
#
# virt-ls, virt-cat and virt-inspector take the keys (--key ID:key:PASSPHRASE, --key ID:file:FILE, ID a device name
# or the LUKS UUID; --keys-from-stdin, one line per volume without a --key). virt-filesystems and virt-df 1.48 have
# no --key and never open LUKS volumes: their "-nokey" cases are what they print; for the other cases
# luks-open-shim.c is preloaded into them to open the volumes right after launch as virt-ls does (luks-UUID names,
# then an LVM rescan), so that what they list and print is still their own.
# Each call boots an appliance (tens of seconds under TCG), so this runs by hand whenever the fixtures change.
# Needs: libguestfs-tools + libguestfs-xfs, gcc, a JDK (java), xz.
# Usage: capture-luks-libguestfs-expected.sh [CASE...]   (default: every case)
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
for n in 1 2; do
  xz -dc "$ROOT/testdata/fixtures/guest-luks$n.plain.raw.xz" | cp --sparse=always /dev/stdin "guest-luks$n.raw"
  java "$ROOT/testdata/src/main/java/dev/platter/testdata/LuksFixtures.java" "guest-luks$n.raw" \
    "$ROOT/testdata/fixtures/guest-luks$n.luks"
done
gcc -shared -fPIC -o luks-open-shim.so "$HERE/luks-open-shim.c" -ldl
printf 'platter-luks-one\n' > key1.txt
printf 'platter-luks-two\n' > key2.txt
printf 'platter-luks-one\n' > stdin1.txt
printf 'platter-luks-two\n' > stdin2.txt
printf 'platter-luks-one\nplatter-luks-two\n' > stdin12.txt
: > stdin-empty.txt
U1=5a6b0000-0000-4000-8000-00000000c100
U2=5a6b0000-0000-4000-8000-00000000c200
L1="-a guest-luks1.raw"
L2="-a guest-luks2.raw"
S1="env LD_PRELOAD=$WORK/luks-open-shim.so PLATTER_LUKS_KEY=platter-luks-one"
S2="env LD_PRELOAD=$WORK/luks-open-shim.so PLATTER_LUKS_KEY=platter-luks-two"

# name|stdin file|command line (run in $WORK, where the disks are). The case names and command lines are mirrored
# in LuksGuestsMatchLibguestfsTest.
CASES=(
  "luks1-fs-nokey|/dev/null|virt-filesystems $L1 --all --long --uuid"
  "luks1-df-nokey|/dev/null|virt-df $L1"
  "luks1-fs|/dev/null|$S1 virt-filesystems $L1 --all --long --uuid"
  "luks1-fs-h|/dev/null|$S1 virt-filesystems $L1 --all --long -h"
  "luks1-pvs|/dev/null|$S1 virt-filesystems $L1 --pvs --vgs --lvs --long --csv"
  "luks1-df|/dev/null|$S1 virt-df $L1"
  "luks1-ls-lR|/dev/null|virt-ls $L1 --key /dev/sda2:key:platter-luks-one -lR --uids --time-t --extra-stats --checksum=md5 /"
  "luks1-ls-l|/dev/null|virt-ls $L1 --key $U1:key:platter-luks-one -l /srv/secret /etc"
  "luks1-cat|/dev/null|virt-cat $L1 --key /dev/sda2:key:platter-luks-one /etc/fstab /etc/crypttab /srv/secret/link"
  "luks1-inspector|/dev/null|virt-inspector $L1 --key /dev/sda2:key:platter-luks-one"
  "luks1-cat-file|/dev/null|virt-cat $L1 --key /dev/sda2:file:key1.txt /etc/hostname"
  "luks1-cat-stdin|stdin1.txt|virt-cat $L1 --keys-from-stdin /etc/hostname"
  "luks1-cat-stdin-empty|stdin-empty.txt|virt-cat $L1 --keys-from-stdin /etc/hostname"
  "luks1-cat-wrong|/dev/null|virt-cat $L1 --key /dev/sda2:key:not-the-passphrase /etc/hostname"
  "luks1-ls-m|/dev/null|virt-ls $L1 --key /dev/sda2:key:platter-luks-one -m /dev/luks1-vg/root -l /srv/secret"
  "luks2-fs-nokey|/dev/null|virt-filesystems $L2 --all --long --uuid"
  "luks2-fs|/dev/null|$S2 virt-filesystems $L2 --all --long --uuid"
  "luks2-df|/dev/null|$S2 virt-df $L2"
  "luks2-df-h|/dev/null|$S2 virt-df $L2 -h"
  "luks2-df-i|/dev/null|$S2 virt-df $L2 -i"
  "luks2-ls-lR|/dev/null|virt-ls $L2 --key $U2:key:platter-luks-two -lR --uids --time-t --extra-stats --checksum=sha256 /"
  "luks2-cat|/dev/null|virt-cat $L2 --key /dev/sda2:file:key2.txt /etc/fstab /srv/secret/notes.txt /etc/crypttab"
  "luks2-inspector|/dev/null|virt-inspector $L2 --key $U2:key:platter-luks-two"
  "luks2-cat-stdin|stdin2.txt|virt-cat $L2 --keys-from-stdin /etc/hostname"
  "luks2-cat-wrong|/dev/null|virt-cat $L2 --key $U2:key:platter-luks-one /etc/hostname"
  "luks-both-inspector|stdin12.txt|virt-inspector $L1 $L2 --keys-from-stdin"
)
want=("$@")
for c in "${CASES[@]}"; do
  name=${c%%|*}; rest=${c#*|}; in=${rest%%|*}; cmd=${rest#*|}
  if [ ${#want[@]} -gt 0 ] && [[ ! " ${want[*]} " == *" $name "* ]]; then continue; fi
  echo "== $name: $cmd < $in" >&2
  # setsid: no controlling terminal, so that a tool wanting a key it was not given reads stdin instead of /dev/tty.
  set +e; setsid -w $cmd < "$in" > "$DEST/$name.out" 2>"$WORK/err"; st=$?; set -e
  { echo "$st"; cat "$WORK/err"; } > "$DEST/$name.status"
done
