#!/usr/bin/env bash
# Makes an ext3/ext4 image whose journal needs recovery, the way a crash of a running guest leaves it, and writes
# next to it what the kernel sees once it has recovered a copy: the oracle of ExtDirtyJournalTest.
#
# Usage: make-ext-dirty-journal.sh OUTDIR NAME SEED SCENARIO -- MKE2FS_OPTIONS... -- MOUNT_OPTIONS
#   e.g. make-ext-dirty-journal.sh /tmp/x e4 7 plain -- -t ext4 -- commit=1
# SCENARIO:
#   plain       round 1: a random tree (SEED: directories, files of random sizes, holes, symlinks short and long,
#               hard links, modes, times, xattrs when setfattr exists), synced; round 2: random changes (removals,
#               renames, appends, truncations, new files and directories, chmod), three files and a directory removed
#               while held open (orphans), committed by the journal's commit timer (mount with commit=1) but not
#               written in place (the flusher waits 30 s); a marker file fsynced; then the filesystem is shut down
#               without flushing the journal (`xfs_io -x -c shutdown`, the generic FS_IOC_SHUTDOWN that ext4 obeys)
#               and the image copied at once, as the crash leaves it (a `sync` elsewhere on the machine in those
#               seconds would write the committed metadata in place: replay then changes less).
#   fc-pending  plain, then one more file created and fsynced on a fast_commit filesystem just before the shutdown:
#               the fsync writes fast-commit blocks for the transaction after the log, which the kernel replays.
#   fc-stale    plain, but the marker's fast commit is followed by a full commit (the timer) and more changes: the
#               fast-commit area holds a stale transaction, which recovery ignores.
#
# Output in OUTDIR:
#   NAME.img        the dirty image (sparse)
#   NAME.expected   ext-kernel-dump.sh of a copy the kernel recovered (a writable loop device mounted read-only,
#                   or read-write where the kernel fails the read-only mount: see NAME.mount)
#   NAME.mount      "ro", or "rw: ..." with why
#   NAME.logdump    debugfs logdump of the dirty image (journal blocks, the fast-commit area)
#   NAME.fsck       e2fsck -fn of the recovered copy (must be clean; the script fails otherwise)
#   NAME.norecovery.df  stat -f of a copy mounted `ro,norecovery` (the on-disk state, its orphans processed)
# Needs: root, loop devices, e2fsprogs, xfs_io (xfsprogs), coreutils; attr for xattrs.
set -euo pipefail
OUT="$1"; NAME="$2"; SEED="$3"; SCENARIO="$4"
shift 4
[ "${1:-}" = "--" ] && shift
MKFS=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do MKFS+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
MOPTS="${1:-}"
HERE="$(cd "$(dirname "$0")" && pwd)"
PATH="$PATH:/sbin:/usr/sbin"

IMG="$OUT/$NAME.img"
COPY="$OUT/$NAME.kernel.img"
MNT="$(mktemp -d)"
cleanup() {
  mountpoint -q "$MNT" 2>/dev/null && umount "$MNT" || true
  rmdir "$MNT" 2>/dev/null || true
  [ -n "${LOOP:-}" ] && losetup -d "$LOOP" 2>/dev/null || true
  rm -f "$COPY"
}
trap cleanup EXIT

rm -f "$IMG"
truncate -s 48M "$IMG"
mke2fs -q -F -U "5eed0000-1111-2222-3333-44445555666$((SEED % 10))" "${MKFS[@]}" "$IMG"
LOOP="$(losetup -f --show "$IMG")"
mount -t ext4 ${MOPTS:+-o "$MOPTS"} "$LOOP" "$MNT"

RANDOM=$SEED
HAVE_ATTR=0
command -v setfattr >/dev/null && HAVE_ATTR=1
dirs=("$MNT")
files=()

newfile() { # path
  local f="$1" size=$(( (RANDOM * 32768 + RANDOM) % 150000 ))
  case $((RANDOM % 6)) in
    0) : > "$f" ;;
    1) head -c $((RANDOM % 60)) /dev/urandom > "$f" ;;
    2) head -c 4096 /dev/urandom > "$f"; truncate -s $((size + 70000)) "$f"; echo tail >> "$f" ;;  # a hole
    *) head -c "$size" /dev/urandom > "$f" ;;
  esac
  files+=("$f")
}

tree_round() { # count
  local i parent d
  for ((i = 0; i < $1; i++)); do
    parent="${dirs[$((RANDOM % ${#dirs[@]}))]}"
    case $((RANDOM % 8)) in
      0|1) d="$parent/d$RANDOM$i"; mkdir -p "$d"; dirs+=("$d") ;;
      2) ln -sfn "target-$i/$(head -c $((RANDOM % 120)) /dev/zero | tr '\0' x)" "$parent/s$i" ;;
      3) if [ ${#files[@]} -gt 0 ] && [ -f "${files[$((RANDOM % ${#files[@]}))]}" ]; then
           ln -f "${files[$((RANDOM % ${#files[@]}))]}" "$parent/h$i" 2>/dev/null || true
         fi ;;
      *) newfile "$parent/f$i"
         chmod $((RANDOM % 8))$((RANDOM % 8))$((RANDOM % 8)) "$parent/f$i"
         touch -d "@$((1500000000 + RANDOM * 1000)).$RANDOM" "$parent/f$i"
         if [ $HAVE_ATTR = 1 ] && [ $((RANDOM % 3)) = 0 ]; then
           setfattr -n user.k$i -v "v$(head -c $((RANDOM % 300)) /dev/zero | tr '\0' v)" "$parent/f$i"
         fi ;;
    esac
  done
}

change_round() { # count
  local i f
  for ((i = 0; i < $1; i++)); do
    f="${files[$((RANDOM % ${#files[@]}))]}"
    [ -e "$f" ] || { newfile "${dirs[$((RANDOM % ${#dirs[@]}))]}/n$i$RANDOM"; continue; }
    case $((RANDOM % 7)) in
      0) rm -f "$f" ;;
      1) mv "$f" "${dirs[$((RANDOM % ${#dirs[@]}))]}/m$i$RANDOM" 2>/dev/null || true ;;
      2) head -c $((RANDOM * 2)) /dev/urandom >> "$f" ;;
      3) truncate -s $((RANDOM * 2)) "$f" ;;
      4) chmod 0$((RANDOM % 8))$((RANDOM % 8))$((RANDOM % 8)) "$f" ;;
      5) newfile "${dirs[$((RANDOM % ${#dirs[@]}))]}/n$i$RANDOM" ;;
      6) mkdir -p "${dirs[$((RANDOM % ${#dirs[@]}))]}/c$i" ;;
    esac
  done
}

# Round 1, written in place.
tree_round 50
for ((i = 0; i < 3; i++)); do head -c $((RANDOM * 3 + 5000)) /dev/urandom > "$MNT/held-open-$i"; done
mkdir "$MNT/held-open-dir"
for ((i = 0; i < 30; i++)); do : > "$MNT/held-open-dir/entry-with-a-long-name-$i"; done
sync

# Round 2: committed by the timer, not written in place.
tree_round 25
change_round 40
exec 3<"$MNT/held-open-0" 4<"$MNT/held-open-1" 5<"$MNT/held-open-2" 6<"$MNT/held-open-dir"
rm "$MNT"/held-open-[0-9]
rm -r "$MNT/held-open-dir"
mkdir -p "$MNT/after"
printf 'committed in the journal\n' > "$MNT/after/marker.txt"
xfs_io -c fsync "$MNT/after/marker.txt"
sleep 1.5
case "$SCENARIO" in
  plain) ;;
  fc-pending)
    printf 'only in the fast-commit area\n' > "$MNT/after/fast.txt"
    xfs_io -c fsync "$MNT/after/fast.txt" ;;
  fc-stale)
    printf 'fast commit, then a full commit\n' > "$MNT/after/fast.txt"
    xfs_io -c fsync "$MNT/after/fast.txt"
    sleep 1.5
    change_round 10
    sleep 1.5 ;;
  *) echo "unknown scenario $SCENARIO" >&2; exit 2 ;;
esac
xfs_io -x -c shutdown "$MNT"
# The image as the crash leaves it is copied now: unmounting writes the block device's dirty buffers (the metadata the
# journal committed, not yet written in place) and would leave replay nothing to change.
cp --sparse=always "$IMG" "$IMG.crash"
exec 3<&- 4<&- 5<&- 6<&-
umount "$MNT"
losetup -d "$LOOP"; LOOP=""
mv "$IMG.crash" "$IMG"
dumpe2fs -h "$IMG" 2>/dev/null | grep -q needs_recovery || { echo "$NAME: the image is clean" >&2; exit 1; }
debugfs -c -R logdump "$IMG" > "$OUT/$NAME.logdump" 2>&1

# The oracle: the kernel recovers a copy. A writable loop device mounted read-only: the kernel recovers the journal
# and processes orphans only when it can write the device.
cp --sparse=always "$IMG" "$COPY"
LOOP="$(losetup -f --show "$COPY")"
if mount -t ext4 -o ro "$LOOP" "$MNT" 2>/dev/null; then
  echo ro > "$OUT/$NAME.mount"
else
  # Linux 6.18 fails a read-only mount whose recovery must replay fast commits ("JBD2: journal recovery failed").
  echo "rw: the read-only mount failed" > "$OUT/$NAME.mount"
  losetup -d "$LOOP"; LOOP=""
  cp --sparse=always "$IMG" "$COPY"
  LOOP="$(losetup -f --show "$COPY")"
  mount -t ext4 "$LOOP" "$MNT"
fi
sh "$HERE/ext-kernel-dump.sh" "$MNT" > "$OUT/$NAME.expected"
umount "$MNT"
losetup -d "$LOOP"; LOOP=""
e2fsck -fn "$COPY" > "$OUT/$NAME.fsck" 2>&1 || { cat "$OUT/$NAME.fsck"; exit 1; }
# What `mount -o ro,norecovery` shows (--no-replay's model): the on-disk state, whose orphans the kernel still
# processes at mount (on a writable device).
cp --sparse=always "$IMG" "$COPY"
LOOP="$(losetup -f --show "$COPY")"
mount -t ext4 -o ro,norecovery "$LOOP" "$MNT"
stat -f -c '%S %b %f %a %c %d' "$MNT" > "$OUT/$NAME.norecovery.df"
umount "$MNT"
losetup -d "$LOOP"; LOOP=""
