#!/usr/bin/env bash
# Makes an XFS image whose dirty log ends with an extent-free intent (EFI) whose done item (EFD) never reached it, and
# writes what the kernel shows after recovering a copy (it finishes the intent at mount): the oracle of
# XfsPendingEfiOnKernel (run on request: the race below makes it unreliable on a loaded machine).
#
# Usage: make-xfs-pending-efi.sh OUTDIR NAME [TRIES]
#
# How: a file of 15 000 one-block extents is removed, and while the kernel frees its extents in the background (two
# per transaction, each pair an EFI, then the free and its EFD in the next transaction) the filesystem is shut down
# with a log flush (`xfs_io -x -c 'shutdown -f'`): the flushed checkpoint holds every committed transaction, so when
# the shutdown falls between an EFI and its EFD the log keeps the EFI alone. (Without the flush the in-memory
# checkpoint holding the pairs is lost; an EFI and EFD in one checkpoint cancel out and are not written.) That falls
# about every other time: the attempt is repeated up to TRIES times (default 10) until xfs_logprint counts more EFIs
# than EFDs.
#
# Output in OUTDIR: NAME.img (sparse), NAME.logprint (EFI and EFD counts), NAME.tree (as make-xfs-dirty-log.sh),
# NAME.df (stat -f of the kernel's mount of a recovered copy: block size, blocks, free, available, files, free files).
# Exit status 77: no attempt left an EFI pending.
# Needs: root, loop devices, xfsprogs, coreutils.
set -euo pipefail
OUT="$1"; NAME="$2"; TRIES="${3:-10}"
IMG="$OUT/$NAME.img"
COPY="$OUT/$NAME.kernel.img"
MNT="$(mktemp -d)"
export TEST_DIR=1 TEST_DEV=1 QA_CHECK_FS=1   # mkfs.xfs refuses small filesystems outside xfstests otherwise
cleanup() {
  mountpoint -q "$MNT" 2>/dev/null && umount "$MNT" || true
  rmdir "$MNT" 2>/dev/null || true
  [ -n "${LOOP:-}" ] && losetup -d "$LOOP" 2>/dev/null || true
  rm -f "$COPY"
}
trap cleanup EXIT

writes=()
for ((i = 0; i < 30000; i += 2)); do writes+=(-c "pwrite -q $((i * 4096)) 4096"); done

pending=0
for ((try = 1; try <= TRIES; try++)); do
  rm -f "$IMG"
  truncate -s 300M "$IMG"
  mkfs.xfs -q -f -m reflink=0,rmapbt=0 "$IMG"
  mount -o loop "$IMG" "$MNT"
  xfs_io -f "${writes[@]}" "$MNT/fragmented" >/dev/null
  printf 'kept\n' > "$MNT/kept"
  sync
  rm "$MNT/fragmented"
  xfs_io -x -c "shutdown -f" "$MNT"
  umount "$MNT"
  efi=$(xfs_logprint -t "$IMG" 2>/dev/null | grep -c '^EFI:' || true)
  efd=$(xfs_logprint -t "$IMG" 2>/dev/null | grep -c '^EFD:' || true)
  echo "attempt $try: $efi EFI, $efd EFD" >&2
  if [ "$efi" -gt "$efd" ]; then pending=1; break; fi
done
[ "$pending" = 1 ] || { echo "no attempt of $TRIES left an EFI without its EFD" >&2; exit 77; }
echo "EFI $efi EFD $efd" > "$OUT/$NAME.logprint"

cp --sparse=always "$IMG" "$COPY"
# A writable loop device mounted read-only: the kernel recovers the log (and finishes the intents) only then.
LOOP="$(losetup -f --show "$COPY")"
mount -o ro "$LOOP" "$MNT"
(
  cd "$MNT"
  find . -mindepth 1 -printf '%P\t%y\t%m\t%U\t%G\t%n\t%s\t%T@\t%C@\t' -exec sh -c '
    if [ -L "$1" ]; then readlink "$1"; elif [ -f "$1" ]; then sha256sum < "$1" | cut -d" " -f1; else echo -; fi' \
    sh {} \; | LC_ALL=C sort
) > "$OUT/$NAME.tree"
stat -f -c '%S %b %f %a %c %d' "$MNT" > "$OUT/$NAME.df"
umount "$MNT"
losetup -d "$LOOP"; LOOP=""
