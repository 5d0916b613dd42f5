#!/usr/bin/env bash
# Builds testdata/fixtures/ext*-journal-*.img.xz: ext3/ext4 images caught while the kernel had them mounted, their
# journals holding committed transactions not yet written in place, and beside each the kernel's own view after
# recovery (.expected.xz: ext-kernel-dump.sh run on a copy the kernel recovered by mounting it read-only from a
# writable loop device). How: mount a loop device with commit=1, run rounds of random file operations (create,
# append, overwrite, rename, remove, mkdir, rmdir, symlink, chmod, truncate), wait for the commit after each, and
# copy the backing file while still mounted: the copy is what a crash at that moment leaves (journal committed,
# metadata not yet written in place; syncfs would write it in place and leave replay nothing to change).
#   ext4-journal-wrap    ext4, 1 KiB blocks, a 1024-block journal (csum v3, 64bit): rounds continue until the
#                        log of the copy wraps from the end of the journal back to its start
#   ext3-journal-v1      ext3 (block maps, 32-bit journal) mounted with journal_checksum: v1 checksums
#   ext4-journal-async   ext4 without metadata_csum, journal_async_commit (v1 checksums, async commit blocks)
# Not byte-reproducible (the kernel stamps times; the operations are seeded). Needs root, loop devices, mount,
# e2fsprogs, xz. Usage: make-ext-journal-kernel-fixtures.sh [OUTDIR]   (default: testdata/fixtures)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${1:-$HERE/../fixtures}"
W="$(mktemp -d)"
MNT="$W/mnt"
mkdir -p "$MNT" "$OUT"
cleanup() { umount "$MNT" 2>/dev/null || true; [ -n "${LOOP:-}" ] && losetup -d "$LOOP" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
PATH="$PATH:/sbin:/usr/sbin"

round() { # random operations on $MNT, seeded by $1
  local r=$1 i f
  RANDOM=$r
  mkdir -p "$MNT"/r0 "$MNT"/r1 "$MNT"/r2 "$MNT"/r3 "$MNT"/r4 "$MNT"/r5 "$MNT"/r6 "$MNT/r$((r % 7))/s$((RANDOM % 5))"
  for i in $(seq 1 $((5 + RANDOM % 20))); do
    f="$MNT/r$((RANDOM % 7))/f$((RANDOM % 60))"
    case $((RANDOM % 9)) in
      0|1) head -c $((RANDOM % 9000)) < <(yes "round $r op $i $RANDOM") > "$f" ;;
      2) echo "round $r op $i" >> "$f" ;;
      3) [ -e "$f" ] && mv "$f" "$MNT/r$((RANDOM % 7))/m$((RANDOM % 40))" || true ;;
      4) rm -f "$f" ;;
      5) ln -sfn "../r$((RANDOM % 7))/f$((RANDOM % 60))" "$f.lnk" ;;
      6) [ -e "$f" ] && chmod $((RANDOM % 8))$((RANDOM % 8))$((RANDOM % 8)) "$f" || true ;;
      7) [ -f "$f" ] && truncate -s $((RANDOM % 5000)) "$f" || true ;;
      8) rmdir "$MNT/r$((RANDOM % 7))/s$((RANDOM % 5))" 2>/dev/null || mkdir -p "$MNT/r$((RANDOM % 7))/d$r" ;;
    esac
  done
}

wrapped() { # the log of image $1 runs past the end of the journal back to its first block
  debugfs -R logdump "$1" 2>/dev/null | awk '/^Journal starts at block/ { s = $5 + 0 }
    /^Found expected sequence/ { b = $NF + 0; if (b < s) w = 1 } END { exit !w }'
}

make() { # name, mke2fs options, mount options, rounds (0: until the log wraps)
  local name="$1" mkfs="$2" opts="$3" rounds="$4" n=0
  truncate -s 16M "$W/$name.img"
  # shellcheck disable=SC2086
  mke2fs -q -F $mkfs "$W/$name.img"
  LOOP=$(losetup -f --show "$W/$name.img")
  mount -t ext4 -o "$opts" "$LOOP" "$MNT"
  while :; do
    n=$((n + 1))
    round "$n"
    # No sync: jbd2 commits within a second (commit=1), while the flusher writes metadata in place only after
    # 30 s (dirty_expire_centisecs), so the copy's journal holds changes its blocks do not have yet.
    sleep 1.5
    cp --sparse=always "$W/$name.img" "$W/$name.snap"
    if [ "$rounds" -eq 0 ]; then
      wrapped "$W/$name.snap" && break
      [ "$n" -ge 400 ] && { echo "$name: the log never wrapped" >&2; exit 1; }
    elif [ "$n" -ge "$rounds" ]; then
      break
    fi
  done
  umount "$MNT"
  losetup -d "$LOOP"
  dumpe2fs -h "$W/$name.snap" 2>/dev/null | grep -q needs_recovery || { echo "$name: the copy is clean" >&2; exit 1; }
  # The kernel's view of the copy: recovery happens at mount, read-only mounts included (on a writable device).
  cp --sparse=always "$W/$name.snap" "$W/$name.oracle"
  LOOP=$(losetup -f --show "$W/$name.oracle")
  mount -t ext4 -o ro "$LOOP" "$MNT"
  sh "$HERE/ext-kernel-dump.sh" "$MNT" > "$W/$name.expected"
  umount "$MNT"
  losetup -d "$LOOP"
  LOOP=
  e2fsck -fn "$W/$name.oracle" >/dev/null
  xz -9 -c "$W/$name.snap" > "$OUT/$name.img.xz"
  xz -9 -c "$W/$name.expected" > "$OUT/$name.expected.xz"
  echo "$name: $n rounds, $(grep -c . "$W/$name.expected") lines"
}

make ext4-journal-wrap "-t ext4 -b 1024 -J size=1" "commit=1" 0
make ext3-journal-v1 "-t ext3 -b 4096" "commit=1,journal_checksum" 12
make ext4-journal-async "-t ext4 -b 4096 -O ^metadata_csum" "commit=1,journal_async_commit,data=writeback" 12
