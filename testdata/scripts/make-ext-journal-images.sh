#!/usr/bin/env bash
# Builds ext3/ext4 images whose journal holds committed transactions not yet written in place (needs_recovery),
# with debugfs's journal commands (journal_open, journal_write, journal_close: jo, jw, jc), as e2fsprogs' own j_*
# tests make theirs. Rootless, no mounts, about a second per variant.
#
# Usage: make-ext-journal-images.sh OUTDIR VARIANT...
#
# For each variant, OUTDIR/VARIANT.img is the dirty image and OUTDIR/VARIANT.target.img the state its journal leads
# to. How: a base image A (mke2fs -d of a small tree); a copy B changed in place by debugfs (new files and
# directories, a removed file, a symlink, a chmod, a file rewritten); the blocks where A and B differ become the
# journal's transactions on A:
#   T1  a block of /keep/revoked.txt overwritten with garbage          (revoked by T3: must not be replayed)
#   T2  a block of /keep/twice.txt overwritten with garbage            (written again by T3: the later copy wins)
#   T3  the first half of the changed blocks, the revoke of T1's block, and /keep/twice.txt's block as in B
#   T4  the rest of the changed blocks; a data block that starts with the jbd2 magic (the ESCAPE flag)
# After replay the filesystem equals B except for needs_recovery, the journal and the kernel's bookkeeping.
#   j-ext4-csum3     ext4 defaults (64bit, metadata_csum): journal checksum v3, 64-bit tags
#   j-ext4-csum2     the same with journal checksum v2 (16-bit tag checksums)
#   j-ext4-64bit     64bit without metadata_csum, no journal checksum: 12-byte tags
#   j-ext4-32bit     ^64bit,^metadata_csum, no journal checksum: 8-byte tags, 4-byte revoke records
#   j-ext3-v1        ext3, 1 KiB blocks, journal checksum v1 (crc32_be in the commit blocks); no revoke (T1
#                    writes the block's own bytes): debugfs's v1 checksum covers revoke blocks, the kernel's does not
#   j-ext4-badcommit j-ext4-csum3 with T4's commit block checksum broken: replay ends after T3
#   fuzz-journal     4 MiB, 1 KiB blocks, csum v3: the seed of JournalFuzzTest (stored xz-compressed in inspect's
#                    test resources); fuzz-journal-32 the same without 64bit and checksums
# Needs: e2fsprogs (mke2fs, debugfs, e2fsck), coreutils.
set -euo pipefail

OUT="${1:?usage: make-ext-journal-images.sh OUTDIR VARIANT...}"
shift
export E2FSPROGS_FAKE_TIME=1700000000 TZ=UTC LC_ALL=C
PATH="$PATH:/sbin:/usr/sbin"
UUID=11111111-2222-3333-4444-666666666666
mkdir -p "$OUT"

build() {
  local name="$1" mkfs="$2" jo="$3" bs="$4" size="${5:-8M}" revoke="${6:-yes}" W
  W="$(mktemp -d)"
  # The base tree.
  mkdir -p "$W/tree/keep" "$W/tree/gone" "$W/tree/deep/a/b"
  for i in $(seq 1 40); do printf 'line %04d of the revoked file\n' "$i"; done > "$W/tree/keep/revoked.txt"
  for i in $(seq 1 40); do printf 'line %04d of the twice-written file\n' "$i"; done > "$W/tree/keep/twice.txt"
  echo "removed by the journal" > "$W/tree/gone/old.txt"
  echo "stays" > "$W/tree/deep/a/b/stays.txt"
  head -c 300000 /dev/zero | tr '\0' 'r' > "$W/tree/keep/rewritten.bin"
  # shellcheck disable=SC2086
  mke2fs -q -F $mkfs -U "$UUID" -E root_owner=0:0 -d "$W/tree" "$W/a.img" "$size"
  # B: what the journal will lead to, made in place by debugfs.
  cp "$W/a.img" "$W/b.img"
  for i in $(seq 1 200); do printf 'new file line %04d\n' "$i"; done > "$W/new.txt"
  head -c 300000 /dev/zero | tr '\0' 'w' > "$W/rewritten.bin"
  { printf '\xc0\x3b\x39\x98'; head -c 5000 /dev/zero | tr '\0' 'm'; } > "$W/magic.bin"
  debugfs -w -f - "$W/b.img" >/dev/null <<CMDS
set_current_time 20231114221320
mkdir /added
mkdir /added/sub
write $W/new.txt /added/new.txt
write $W/magic.bin /added/magic.bin
symlink /added/link ../keep/twice.txt
rm /gone/old.txt
rm /keep/rewritten.bin
write $W/rewritten.bin /keep/rewritten.bin
sif /deep/a/b/stays.txt mode 0100600
sif /deep/a/b/stays.txt uid 1234
CMDS
  e2fsck -fn "$W/b.img" >/dev/null
  # The blocks where A and B differ, in order, and B's contents of them.
  local blocks
  blocks=$({ cmp -l "$W/a.img" "$W/b.img" || true; } | awk -v bs="$bs" '{ b = int(($1 - 1) / bs); if (b != last) print b; last = b }')
  local n half list1 list2
  n=$(echo "$blocks" | wc -l)
  half=$(( n / 2 ))
  list1=$(echo "$blocks" | head -n "$half" | paste -sd, -)
  list2=$(echo "$blocks" | tail -n +"$((half + 1))" | paste -sd, -)
  : > "$W/t3.bin"; : > "$W/t4.bin"
  for b in $(echo "$blocks" | head -n "$half"); do dd if="$W/b.img" bs="$bs" skip="$b" count=1 status=none >> "$W/t3.bin"; done
  for b in $(echo "$blocks" | tail -n +"$((half + 1))"); do dd if="$W/b.img" bs="$bs" skip="$b" count=1 status=none >> "$W/t4.bin"; done
  local revoked twice
  revoked=$(debugfs -R "bmap /keep/revoked.txt 0" "$W/a.img" 2>/dev/null)
  twice=$(debugfs -R "bmap /keep/twice.txt 0" "$W/a.img" 2>/dev/null)
  head -c "$bs" /dev/zero | tr '\0' 'G' > "$W/garbage.bin"
  local revoke_opt="-r $revoked"
  if [ "$revoke" = no ]; then
    # debugfs's v1 checksum covers the revoke block, the kernel's (and e2fsck's) does not: with revokes, the
    # kernel would end recovery at T3. Without them, T1 writes the block's own contents.
    dd if="$W/a.img" bs="$bs" skip="$revoked" count=1 status=none > "$W/garbage.bin"
    revoke_opt=""
  fi
  dd if="$W/b.img" bs="$bs" skip="$twice" count=1 status=none >> "$W/t3.bin"
  # Each transaction in its own jo/jc session: debugfs finds the log's head when it opens the journal.
  debugfs -w -f - "$W/a.img" >/dev/null <<CMDS
jo $jo
jw -b $revoked $W/garbage.bin
jc
jo $jo
jw -b $twice $W/garbage.bin
jc
jo $jo
jw -b $list1,$twice $revoke_opt $W/t3.bin
jc
jo $jo
jw -b $list2 $W/t4.bin
jc
CMDS
  cp "$W/a.img" "$OUT/$name.img"
  cp "$W/b.img" "$OUT/$name.target.img"
  rm -rf "$W"
}

for v in "$@"; do
  case "$v" in
    j-ext4-csum3) build "$v" "-t ext4 -b 4096" "-c -v 3" 4096 ;;
    j-ext4-csum2) build "$v" "-t ext4 -b 4096" "-c -v 2" 4096 ;;
    j-ext4-64bit) build "$v" "-t ext4 -b 4096 -O 64bit,^metadata_csum" "" 4096 ;;
    j-ext4-32bit) build "$v" "-t ext4 -b 4096 -O ^64bit,^metadata_csum" "" 4096 ;;
    j-ext3-v1) build "$v" "-t ext3 -b 1024" "-c" 1024 8M no ;;
    fuzz-journal) build "$v" "-t ext4 -b 1024 -J size=1" "-c -v 3" 1024 4M ;;
    fuzz-journal-32) build "$v" "-t ext4 -b 1024 -J size=1 -O ^64bit,^metadata_csum" "" 1024 4M ;;
    j-ext4-badcommit)
      build "$v" "-t ext4 -b 4096" "-c -v 3" 4096
      # Break the last commit block's checksum (h_chksum[0] at byte 16): the kernel ends recovery before it.
      jblk=$(debugfs -R "logdump" "$OUT/$v.img" 2>/dev/null | awk '/type 2 \(commit block\)/ { b = $NF } END { print b }')
      phys=$(debugfs -R "bmap <8> $jblk" "$OUT/$v.img" 2>/dev/null)
      printf '\x00\x00\x00\x00' | dd of="$OUT/$v.img" bs=1 seek=$(( phys * 4096 + 16 )) conv=notrunc status=none
      ;;
    *) echo "unknown variant $v" >&2; exit 2 ;;
  esac
  echo "$v"
done
