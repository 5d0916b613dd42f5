#!/usr/bin/env bash
# The README's CLI tour, runnable: from a fresh clone it builds ./platter (first use), expands the bundled sample
# guest disk and runs every command of the tour, top to bottom, in the clone's root (the files it makes, disk.raw,
# vm.qcow2, disk.qcow2, disk.vmdk, secret.qcow2 and scratch.raw, are git-ignored and removed at the end). CI runs it
# (.ci/run).
#
# The lines between "tour:begin" and "tour:end" are the README's "CLI tour" block, character for character: the
# script checks that first and fails when they differ, so the README cannot drift from what runs.
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$ROOT"
FILES=(disk.raw vm.qcow2 disk.qcow2 disk.vmdk secret.qcow2 scratch.raw)
for f in "${FILES[@]}"; do
  if [ -e "$f" ]; then
    echo "tour: $ROOT/$f exists; the tour would overwrite it (move it away first)" >&2
    exit 1
  fi
done
trap '{ set +x; } 2>/dev/null; rm -f "${FILES[@]}"' EXIT

tour_lines() { sed -n '/^# tour:begin$/,/^# tour:end$/p' "$ROOT/docs/tour.sh" | sed '1d;$d'; }
readme_lines() { awk '/^## /{s = ($0 == "## CLI tour")} s && /^```/{if (b) exit; b = 1; next} s && b' README.md; }
if ! diff <(readme_lines) <(tour_lines) >&2; then
  echo "tour: the README's CLI tour block and docs/tour.sh differ (< README, > tour.sh)" >&2
  exit 1
fi
./platter --version >/dev/null   # builds on first use, with its progress on stderr

PS4='
$ '
set -x
# tour:begin
xz -dc testdata/fixtures/sample-disk.raw.xz | cp --sparse=always /dev/stdin disk.raw   # the bundled guest disk
./platter info disk.raw                        # qemu-img info's human output
./platter info --output=json -f raw disk.raw   # ... and its JSON, key for key
./platter create -f qcow2 -b disk.raw -F raw vm.qcow2   # a qcow2 overlay, byte for byte what qemu-img writes
./platter filesystems -a vm.qcow2 --long -h    # the guest's filesystems, like virt-filesystems
./platter df -a vm.qcow2 -h                    # ... their free space, like virt-df
./platter ls -a vm.qcow2 -l /etc               # ... a directory, like virt-ls (root and /etc/fstab found)
./platter cat -a vm.qcow2 /etc/os-release      # ... a file, like virt-cat (also copy-out, tar-out, inspector)
./platter customize -a vm.qcow2 --hostname tour --write /etc/motd:hello   # writes, like virt-customize (also
                                               # copy-in, tar-in, mkdir, write, rm, ln, chmod, chown, touch, edit, sysprep)
./platter snapshot -c before-upgrade vm.qcow2  # internal snapshots: -c, -l, -a, -d
./platter snapshot -l vm.qcow2
./platter check -r leaks vm.qcow2              # qemu-img check's messages, JSON and exit codes
./platter convert -p -O qcow2 disk.raw disk.qcow2   # sparse, parallel, bulk data O_DIRECT; -c compresses
./platter map --output=json disk.qcow2         # the allocation map, as qemu-img map prints it
./platter compare disk.raw disk.qcow2          # exit 0 identical, 1 different
./platter convert -O vmdk -o subformat=streamOptimized disk.qcow2 disk.vmdk   # for VMware: open-vmdk's layout
./platter convert --object secret,id=k,data=hunter2 -O qcow2 -o encrypt.format=luks,encrypt.key-secret=k disk.qcow2 \
    secret.qcow2                               # LUKS-encrypted qcow2, as qemu-img writes it (info needs no key)
./platter create -f raw scratch.raw 10G        # sparse, like qemu-img create
# tour:end
