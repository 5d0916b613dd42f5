#!/usr/bin/env bash
# Makes an XFS image whose log is dirty, the way a crash leaves it, and writes next to it what the kernel sees once
# it has replayed that log: the oracle of the XFS log recovery tests (XfsLogReplayTest).
#
# Usage: make-xfs-dirty-log.sh OUTDIR NAME SEED [WRAP_ROUNDS] -- MKFS_OPTIONS... -- MOUNT_OPTIONS
#   e.g. make-xfs-dirty-log.sh /tmp/x v5-su 7 0 -- -l su=64k -- logbsize=256k
#
# A loop-mounted filesystem is filled with a random tree (SEED: directories, files of random sizes, holes,
# symlinks, hard links, xattrs when setfattr exists, modes, times), the log is forced (`sync`), then a second round
# of random changes follows (removals, renames, appends, truncations, new files, chmod, reflink copies where the
# filesystem has reflink, three files removed while held open), one of them forced to the
# log with fsync, and the filesystem is shut down with `xfs_io -x -c shutdown` (no log flush) and unmounted: the log
# holds committed transactions that never reached their home locations. WRAP_ROUNDS > 0 first rewrites a file that
# many times with syncs between, so that a small log (`-l size=`) wraps around its end.
#
# Output in OUTDIR:
#   NAME.img              the dirty image (sparse)
#   NAME.logprint         xfs_logprint -t (head, tail, state) and -d (one line per record) of the dirty image
#   NAME.tree             the kernel's view after replay (a copy mounted read-only): one line per path, sorted:
#                         path TAB type TAB mode TAB uid TAB gid TAB nlink TAB size TAB mtime TAB ctime TAB sha256|target
#   NAME.xattrs           getfattr -d of every path (when getfattr exists)
#   NAME.df               stat -f of the mount: block size, blocks, free, available, files, free files
#   NAME.repair           xfs_repair -n of the kernel-recovered copy (must be clean; the script fails otherwise)
# Exit status 77: the kernel cannot mount the filesystem (v4 XFS on kernels built without CONFIG_XFS_SUPPORT_V4).
# Needs: root, loop devices, xfsprogs, coreutils; attr (setfattr/getfattr) for xattrs.
set -euo pipefail
OUT="$1"; NAME="$2"; SEED="$3"; WRAP="${4:-0}"
shift 4
[ "${1:-}" = "--" ] && shift
MKFS=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do MKFS+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
MOPTS="${1:-}"

IMG="$OUT/$NAME.img"
# mkfs.xfs refuses filesystems under 300 MB unless it believes it runs under xfstests.
export TEST_DIR=1 TEST_DEV=1 QA_CHECK_FS=1
MNT="$(mktemp -d)"
MNT2="$(mktemp -d)"
COPY="$OUT/$NAME.kernel.img"
cleanup() {
  mountpoint -q "$MNT" 2>/dev/null && umount "$MNT" || true
  mountpoint -q "$MNT2" 2>/dev/null && umount "$MNT2" || true
  rmdir "$MNT" "$MNT2" 2>/dev/null || true
  [ -n "${LOOP:-}" ] && losetup -d "$LOOP" 2>/dev/null || true
  rm -f "$COPY"
}
trap cleanup EXIT

rm -f "$IMG"
truncate -s 160M "$IMG"
mkfs.xfs -q -f -m uuid=5eed0000-1111-2222-3333-44445555666$((SEED % 10)) "${MKFS[@]}" "$IMG"
if ! mount -o "loop${MOPTS:+,$MOPTS}" "$IMG" "$MNT"; then
  if dmesg 2>/dev/null | tail -5 | grep -q 'V4 format'; then
    echo "this kernel cannot mount v4 XFS (CONFIG_XFS_SUPPORT_V4 is off)" >&2
    exit 77
  fi
  exit 1
fi

RANDOM=$SEED
HAVE_ATTR=0
command -v setfattr >/dev/null && HAVE_ATTR=1
dirs=("$MNT")
files=()

newfile() { # path
  local f="$1" size=$(( (RANDOM * 32768 + RANDOM) % 200000 ))
  case $((RANDOM % 6)) in
    0) : > "$f" ;;
    1) head -c $((RANDOM % 60)) /dev/urandom > "$f" ;;                          # inline-sized
    2) xfs_io -f -c "pwrite -q -S $((RANDOM % 255)) $((RANDOM % 5 * 4096)) 4096" \
              -c "pwrite -q -S 7 $((size + 65536)) 3000" "$f" >/dev/null ;;        # holes
    *) head -c "$size" /dev/urandom > "$f" ;;
  esac
  files+=("$f")
}

if [ "$WRAP" -gt 0 ]; then
  # Log traffic: every round logs 300 inodes and forces the log.
  mkdir "$MNT/churn"
  for ((j = 0; j < 300; j++)); do : > "$MNT/churn/f$j"; done
  for ((i = 0; i < WRAP; i++)); do
    chmod $((i % 2 ? 600 : 644)) "$MNT"/churn/*
    sync
  done
  rm -rf "$MNT/churn"
  sync
fi

# Round 1: a random tree, forced to the log.
for ((i = 0; i < 60; i++)); do
  parent="${dirs[$((RANDOM % ${#dirs[@]}))]}"
  case $((RANDOM % 8)) in
    0|1) d="$parent/d$i"; mkdir "$d"; dirs+=("$d") ;;
    2) ln -s "target-$i/$(head -c $((RANDOM % 90)) /dev/zero | tr '\0' x)" "$parent/s$i" ;;
    3) if [ ${#files[@]} -gt 0 ]; then ln "${files[$((RANDOM % ${#files[@]}))]}" "$parent/h$i"; fi ;;
    *) newfile "$parent/f$i"
       chmod $((RANDOM % 8))$((RANDOM % 8))$((RANDOM % 8)) "$parent/f$i"
       touch -d "@$((1500000000 + RANDOM * 1000)).$((RANDOM))" "$parent/f$i"
       if [ $HAVE_ATTR = 1 ] && [ $((RANDOM % 3)) = 0 ]; then
         setfattr -n user.k$i -v "v$(head -c $((RANDOM % 300)) /dev/zero | tr '\0' v)" "$parent/f$i"
       fi ;;
  esac
done
# A directory large enough for leaf and node forms.
mkdir "$MNT/big"
for ((i = 0; i < 400; i++)); do : > "$MNT/big/entry-with-a-long-name-$i"; done
# Three files round 2 removes while they are open (their blocks written by the sync).
for ((i = 0; i < 3; i++)); do head -c $((RANDOM * 4 + 5000)) /dev/urandom > "$MNT/held-open-$i"; done
sync

# Round 2: random changes, one of them forced to the log by fsync, then a shutdown without flushing the log.
for ((i = 0; i < 40; i++)); do
  f="${files[$((RANDOM % ${#files[@]}))]}"
  [ -e "$f" ] || continue
  case $((RANDOM % 7)) in
    6) cp --reflink=auto "$f" "${dirs[$((RANDOM % ${#dirs[@]}))]}/r$i" 2>/dev/null || true ;;  # bmap/refcount intents
    0) rm -f "$f" ;;
    1) mv "$f" "${dirs[$((RANDOM % ${#dirs[@]}))]}/m$i" 2>/dev/null || true ;;
    2) head -c $((RANDOM * 3)) /dev/urandom >> "$f" ;;
    3) truncate -s $((RANDOM * 2)) "$f" ;;
    4) chmod 0$((RANDOM % 8))$((RANDOM % 8))$((RANDOM % 8)) "$f" ;;
    5) newfile "${dirs[$((RANDOM % ${#dirs[@]}))]}/n$i" ;;
  esac
done
for ((i = 0; i < 150; i += 3)); do rm -f "$MNT/big/entry-with-a-long-name-$i"; done
# Files removed while still open: on the unlinked lists at the crash, freed by the kernel when it mounts.
exec 3<"$MNT/held-open-0" 4<"$MNT/held-open-1" 5<"$MNT/held-open-2"
rm "$MNT"/held-open-*
mkdir -p "$MNT/after"
printf 'only visible after log replay\n' > "$MNT/after/committed-in-log.txt"
xfs_io -c fsync "$MNT/after/committed-in-log.txt"
xfs_io -x -c shutdown "$MNT"
exec 3<&- 4<&- 5<&-
umount "$MNT"

{
  echo "# xfs_logprint -t"
  xfs_logprint -t "$IMG" 2>&1 | grep -E 'state:|head:' || true
  echo "# xfs_logprint -d"
  xfs_logprint -d "$IMG" 2>&1 | grep -E '^ *[0-9]+ HEADER Cycle [1-9]' || true
} > "$OUT/$NAME.logprint"

# The oracle: the kernel replays the log of a copy.
cp --sparse=always "$IMG" "$COPY"
# A writable loop device mounted read-only: the kernel recovers the log only when it can write the device.
LOOP="$(losetup -f --show "$COPY")"
mount -o ro "$LOOP" "$MNT2"
(
  cd "$MNT2"
  find . -mindepth 1 -printf '%P\t%y\t%m\t%U\t%G\t%n\t%s\t%T@\t%C@\t' -exec sh -c '
    if [ -L "$1" ]; then readlink "$1"; elif [ -f "$1" ]; then sha256sum < "$1" | cut -d" " -f1; else echo -; fi' \
    sh {} \; | LC_ALL=C sort
) > "$OUT/$NAME.tree"
if command -v getfattr >/dev/null; then
  (cd "$MNT2" && getfattr -R -P -d -m - --absolute-names . 2>/dev/null) > "$OUT/$NAME.xattrs" || true
fi
stat -f -c '%S %b %f %a %c %d' "$MNT2" > "$OUT/$NAME.df"
umount "$MNT2"
losetup -d "$LOOP"; LOOP=""
xfs_repair -n "$COPY" > "$OUT/$NAME.repair" 2>&1 || { cat "$OUT/$NAME.repair"; exit 1; }
