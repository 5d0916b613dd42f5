#!/usr/bin/env bash
# Builds XFS test images with mkfs.xfs protofiles (xfsprogs >= 5.x; verified with 6.1), rootless, in a few seconds.
#
# Usage: make-xfs-images.sh OUTDIR [VARIANT...]     (default: every variant except bigdir)
#
# Writes OUTDIR/src/ (the host files the protofile copies), OUTDIR/manifest-VARIANT.tsv (what the image must hold,
# one line per entry: path, type, mode (octal), uid, gid, size, extra; extra = source file, symlink target,
# "major:minor", or a big directory's name count), OUTDIR/proto-VARIANT.txt and OUTDIR/VARIANT.img. Timestamps are
# the mkfs time (a protofile limit).
#
# Variants:
#   v5            xfsprogs defaults: crc, ftype, finobt, sparse inodes, reflink, bigtime, inobtcount
#   v5-nobigtime  RHEL 8 era;  v5-rhel7: RHEL 7 era (crc and ftype only)
#   v4            crc=0, 256-byte v2 inodes, ftype=0;  v4-512: 512-byte blocks, ftype=1
#   v5-1k         1 KiB blocks;  v5-64k: 64 KiB blocks and 32 KiB sectors;  v5-4ksect: 4 KiB sectors
#   v5-dir16k     16 KiB directory blocks;  v5-nrext64;  v5-rmapbt;  v5-ci: ASCII case-insensitive names
#   v5-rtlog      a realtime section and an external log (OUTDIR/v5-rtlog.rt and .log); files stay on the data device
#   bigdir        v5 plus dirs/big with $BIGDIR names (default 500000); not built unless named
#
# Directories dirs/d3, d50, d400, d2k, d50k take the shortform, block, leaf, node and node-with-btree-fork shapes;
# bigdir's is a node directory with a two-level hash btree. mkfs.xfs refuses filesystems under 300 MiB unless
# TEST_DIR, TEST_DEV and QA_CHECK_FS are all set (done here).
set -euo pipefail
OUT="$1"; shift
VARIANTS=("$@")
[ ${#VARIANTS[@]} -eq 0 ] && VARIANTS=(v5 v5-nobigtime v5-rhel7 v4 v4-512 v5-1k v5-64k v5-dir16k v5-4ksect v5-nrext64
                                      v5-rmapbt v5-ci v5-rtlog)
BIGDIR="${BIGDIR:-500000}"
UUID=11111111-2222-3333-4444-666666666666
export TEST_DIR=1 TEST_DEV=1 QA_CHECK_FS=1
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
S="$OUT/src"

# --- source files (patterned, deterministic; kept between runs into the same OUTDIR) ------------------------
lines() { # format count bytes: the first BYTES bytes of numbered lines (seq may die of SIGPIPE: expected)
  { seq -f "$1" 1 "$2" || true; } | head -c "$3"
}
pattern() { # size file: 16-byte numbered lines
  lines '%015g' $(( $1 / 16 + 1 )) "$1" > "$2"
}
if [ ! -e "$S/.complete" ]; then
rm -rf "$S"; mkdir -p "$S"
: > "$S/empty"
printf 'hello world\n' > "$S/small.txt"
printf '%058d\n' 0 > "$S/f59"
printf '%059d\n' 0 > "$S/f60"
printf '%0149d\n' 0 > "$S/f150"
pattern 4096 "$S/block4096"
pattern 100000 "$S/f100000"
pattern $(( 3 * 1024 * 1024 + 17 )) "$S/big.bin"
printf '#!/bin/sh\necho set\n' > "$S/script.sh"
printf 'hostname-xfs\n' > "$S/hostname"
printf 'NAME="CentOS Linux"\nVERSION="7 (Core)"\nID="centos"\nVERSION_ID="7"\n' > "$S/os-release"
printf '/dev/mapper/cs-root / xfs defaults 0 0\n' > "$S/fstab"
# 300 islands of 4 KiB every 64 KiB plus a tail: protofiles write it densely (one extent), content still checks.
: > "$S/sparse_many.bin"
for i in $(seq 0 299); do
  lines "island$i-%09g" 256 4096 | dd of="$S/sparse_many.bin" bs=4096 seek=$(( i * 16 )) conv=notrunc status=none
done
truncate -s $(( 300 * 65536 + 12345 )) "$S/sparse_many.bin"
pattern 5000 "$S/tailhole.bin"; truncate -s 1048576 "$S/tailhole.bin"
touch "$S/.complete"
fi

# --- protofile writer ---------------------------------------------------------------------------------------
# Keeps the current depth and path in variables (no subshells: the writer runs once per variant).
DEPTH=0; CUR=""; PF=""; MF=""
man() { # path type mode uid gid size extra
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$MF"
}
d() { # name mode uid gid
  printf '%*s%s d--%s %s %s\n' "$DEPTH" '' "$1" "$2" "$3" "$4" >> "$PF"
  CUR="$CUR/$1"; DEPTH=$((DEPTH + 1))
  man "$CUR" d "$2" "$3" "$4" - -
}
e() { printf '%*s$\n' "$DEPTH" '' >> "$PF"; DEPTH=$((DEPTH - 1)); CUR="${CUR%/*}"; }
f() { # name src [mode uid gid ugflags]
  local m="${3:-644}" fl="${6:---}" size
  printf '%*s%s -%s%s %s %s %s\n' "$DEPTH" '' "$1" "$fl" "$m" "${4:-0}" "${5:-0}" "$S/$2" >> "$PF"
  size=$(stat -c %s "$S/$2")
  local full=$(( 8#$m ))
  [ "${fl:0:1}" = u ] && full=$(( full | 04000 ))
  [ "${fl:1:1}" = g ] && full=$(( full | 02000 ))
  man "$CUR/$1" f "$(printf %o "$full")" "${4:-0}" "${5:-0}" "$size" "$2"
}
l() { # name target
  printf '%*s%s l--777 0 0 %s\n' "$DEPTH" '' "$1" "$2" >> "$PF"
  man "$CUR/$1" l 777 0 0 "${#2}" "$2"
}
dev() { # name type(c|b|p) mode major minor
  if [ "$2" = p ]; then
    printf '%*s%s p--%s 0 0\n' "$DEPTH" '' "$1" "$3" >> "$PF"
  else
    printf '%*s%s %s--%s 0 0 %s %s\n' "$DEPTH" '' "$1" "$2" "$3" "$4" "$5" >> "$PF"
  fi
  man "$CUR/$1" "$2" "$3" 0 0 0 "$4:$5"
}
bigdir() { # name count: names file_NNNNNN_ plus 0-39 q's, all copies of the empty file
  d "$1" 755 0 0
  awk -v n="$2" -v depth="$DEPTH" -v src="$S/empty" 'BEGIN {
      q = "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"
      ind = sprintf("%*s", depth, "")
      for (i = 0; i < n; i++) printf "%sfile_%06d_%s ---644 0 0 %s\n", ind, i, substr(q, 1, i % 40), src
    }' >> "$PF"
  man "$CUR" bigdir 755 0 0 0 "$2"
  e
}
rep() { printf "%${2}s" '' | tr ' ' "$1"; }
long_target() { # 825 bytes: 25 long path components
  local t="" i
  for i in $(seq -w 0 24); do t="$t/averyveryverylongdirectoryname$i"; done
  echo "${t:0:825}"
}

write_proto() { # variant
  local v="$1"
  PF="$OUT/proto-$v.txt"; MF="$OUT/manifest-$v.tsv"; : > "$PF"; : > "$MF"; DEPTH=1; CUR=""
  printf '/dummy\n0 0\nd--755 0 0\n' >> "$PF"
  man / d 755 0 0 - -
  d etc 755 0 0; f hostname hostname; f os-release os-release; f fstab fstab; e
  d files 755 0 0
    f empty empty; f small.txt small.txt; f f59 f59; f f60 f60; f f150 f150; f block4096 block4096
    f f100000 f100000; f big.bin big.bin 600; f sparse_many.bin sparse_many.bin; f tailhole.bin tailhole.bin
    f setuid.sh script.sh 755 0 0 u-; f setgid.sh script.sh 755 0 0 -g
  e
  d links 755 0 0
    f target.txt small.txt
    l sym59 "$(rep a 59)"; l sym60 "$(rep b 60)"; l sym61 "$(rep c 61)"
    l sym_dir ../dirs; l sym_abs /etc/hostname; l sym_dangling nowhere/at/all
    l sym300 "$(rep d 300)"
    # v5 protofiles write remote symlinks without their XSLM header (xfsprogs 6.1): only v4 gets the long one.
    case "$v" in v4*) l sym_long "$(long_target)";; esac
  e
  d dirs 755 0 0
    d empty 755 0 0; e
    d d3 755 0 0; f a empty; f bb empty; f ccc empty; e
    bigdir d50 50; bigdir d400 400; bigdir d2k 2000; bigdir d50k 50000
    [ "$v" = bigdir ] && bigdir big "$BIGDIR"
    d deep 755 0 0
      local i; for i in $(seq -w 1 40); do d "l$i" 755 0 0; done
      f leaf.txt small.txt
      for i in $(seq 1 40); do e; done
    e
  e
  d names 755 0 0
    f "$(rep n 255)" small.txt; f "café-ü" small.txt; f -dash small.txt; f .hidden small.txt
    f "$(printf 'lat\xe9')" small.txt
  e
  d meta 750 100000 200000
    f owned small.txt 640 100000 200000; f mode000 small.txt 000 0 0
  e
  d dev 755 0 0
    dev null c 666 1 3; dev sda b 660 8 0; dev bigdev c 640 300 70000; dev fifo p 644 0 0
  e
  echo '$' >> "$PF"
}

mkfs_opts() {
  case "$1" in
    v5) echo "";;
    bigdir) echo "-i maxpct=90";;
    v5-nobigtime) echo "-m bigtime=0,inobtcount=0,reflink=0,finobt=1 -i sparse=0";;
    v5-rhel7) echo "-m crc=1,finobt=0,reflink=0,bigtime=0,inobtcount=0,rmapbt=0 -i sparse=0 -n ftype=1";;
    v4) echo "-m crc=0 -i size=256 -n ftype=0";;
    v4-512) echo "-m crc=0 -b size=512 -n ftype=1";;
    v5-1k) echo "-b size=1024";;
    v5-64k) echo "-b size=65536 -s size=32768";;
    v5-dir16k) echo "-n size=16384";;
    v5-4ksect) echo "-s size=4096";;
    v5-nrext64) echo "-i nrext64=1";;
    v5-rmapbt) echo "-m rmapbt=1";;
    v5-ci) echo "-n version=ci";;
    v5-rtlog) echo "-r rtdev=$OUT/v5-rtlog.rt -l logdev=$OUT/v5-rtlog.log,size=2000b";;
    *) echo "unknown variant $1" >&2; exit 2;;
  esac
}

for v in "${VARIANTS[@]}"; do
  opts="$(mkfs_opts "$v")"
  write_proto "$v"
  size=256M; [ "$v" = bigdir ] && size=$(( 256 + BIGDIR * 640 / 1048576 ))M
  rm -f "$OUT/$v.img"; truncate -s "$size" "$OUT/$v.img"
  if [ "$v" = v5-rtlog ]; then rm -f "$OUT/$v.rt" "$OUT/$v.log"; truncate -s 32M "$OUT/$v.rt" "$OUT/$v.log"; fi
  # shellcheck disable=SC2086
  mkfs.xfs -q -f -L "${v:0:12}" -m uuid=$UUID $opts -p "$OUT/proto-$v.txt" "$OUT/$v.img"
done
