#!/usr/bin/env bash
# Builds the ext2/ext3/ext4 test images of issue 5 with the real tools (mke2fs -d, debugfs, e2fsck), rootless
# and reproducibly (E2FSPROGS_FAKE_TIME, debugfs set_current_time, fixed UUIDs and hash seeds, pinned times).
#
# Usage: make-ext-images.sh OUTDIR [VARIANT...]      (no variant: all of them)
#
# Every variant is OUTDIR/VARIANT.img, a raw filesystem image (no partition table), checked with e2fsck -fn.
#   ext4            mke2fs defaults, 4 KiB blocks: metadata_csum, 64bit, flex_bg, huge_file, extents, htree,
#                   an unwritten extent (/files/prealloc), post-2038 times
#   ext4-inline     inline_data: inline files, an inline directory, a 100-byte file continued in system.data
#   ext4-32bit      ^64bit,^metadata_csum,uninit_bg: 32-byte descriptors with crc16
#   ext4-1k         1 KiB blocks, 128-byte inodes (no extra fields, xattrs in blocks)
#   ext4-2k         2 KiB blocks
#   ext4-64k        64 KiB blocks
#   ext4-bigalloc   bigalloc, 64 KiB clusters
#   ext4-metabg     meta_bg (no resize_inode), 1 KiB blocks, 64 groups of 1 MiB
#   ext4-features   orphan_file, metadata_csum_seed, ea_inode (a 4096-byte xattr value in its own inode), large_dir
#   ext4-nodirindex ^dir_index: multi-block linear directories
#   ext3            mkfs.ext3: block maps, the 5 GiB sparse file through the triple-indirect block
#   ext2-1k         mkfs.ext2, 1 KiB blocks, no journal
#   htree-100k      /big: 100 000 names in a 2-level htree (1 KiB blocks), some with bytes >= 0x80
#   htree-legacy-u  /big: 3000 names, legacy hash, unsigned-char variant
#   htree-tea-s     /big: 3000 names, tea hash, signed-char variant
#   htree-md4-u     /big: 3000 names, half_md4 hash, unsigned-char variant
#   fuzz-ext4       4 MiB, 1 KiB blocks, a small tree with every structure (htree, extent tree, xattr block,
#                   fast and slow symlinks): the starting point of byte-flip fuzzing
#   fuzz-ext3       the same tree on ext3 (single and double indirect blocks)
#   fuzz-inline     the same tree with inline_data
#
# The source tree (OUTDIR/tree) holds every shape the readers must handle: files of every size class, a 300-extent
# sparse file, a trailing hole, a 5 GiB sparse file with markers (START at 0, MIDDLE at 4.5 GB, END at 5 GiB - 3),
# hard links, fast/slow/long/dangling/absolute symlinks, empty/3/40/400/2000-entry directories, a 40-level deep
# path, byte-exact names (255 bytes, UTF-8, Latin-1, space, leading dash, hidden), 32-bit uid/gid, pre-1970 and
# post-2038 times, sticky/setuid/setgid modes, device nodes (old and new encodings), a FIFO, a socket, xattrs in
# the inode and in a block, security.selinux, POSIX ACLs. Payloads are patterned (compress well, check exactly).
#
# Big directories are filled with debugfs "mknod" in an already indexed directory: that path inserts through the
# htree (ext2fs_link's dx_link) without a name lookup, so 100 000 names take about a second, where mke2fs -d is
# O(n^2) per directory (minutes).
#
# Needs: e2fsprogs (mke2fs, debugfs, e2fsck), coreutils, perl. No root, no mounts.
set -euo pipefail

OUT="${1:?usage: make-ext-images.sh OUTDIR [VARIANT...]}"
shift
ALL=(ext4 ext4-inline ext4-32bit ext4-1k ext4-2k ext4-64k ext4-bigalloc ext4-metabg ext4-features ext4-nodirindex
     ext3 ext2-1k htree-100k htree-legacy-u htree-tea-s htree-md4-u fuzz-ext4 fuzz-ext3 fuzz-inline)
VARIANTS=("$@")
[ ${#VARIANTS[@]} -eq 0 ] && VARIANTS=("${ALL[@]}")

export E2FSPROGS_FAKE_TIME=1700000000 E2FSCK_TIME=1700000000
export TZ=UTC LC_ALL=C
NOW=20231114221320                       # = 1700000000, for debugfs set_current_time
UUID=11111111-2222-3333-4444-555555555555
SEED=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee
PATH="$PATH:/sbin:/usr/sbin"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

# A deterministic, compressible payload: every 8-byte word is "TAGxxxxx" with the word's offset in hex.
pattern() { # FILE SIZE TAG
  perl -e 'my ($size, $tag) = @ARGV; my $buf = "";
           for (my $o = 0; $o < $size; $o += 8) { $buf .= sprintf("%.3s%05x", $tag, ($o / 8) & 0xfffff);
             if (length($buf) >= 65536) { print $buf; $buf = ""; } }
           print $buf; ' "$2" "$3" | head -c "$2" > "$1"
}

at() { # FILE OFFSET TEXT: writes TEXT at OFFSET without touching the rest (keeps holes)
  printf '%s' "$3" | dd of="$1" bs=4096 oflag=seek_bytes seek="$2" conv=notrunc status=none
}

make_tree() {
  local T="$OUT/tree"
  [ -d "$T" ] && return 0
  mkdir -p "$T.tmp"
  local R="$T.tmp"
  mkdir -p "$R"/{etc,files,huge,links/sub,dirs/empty,names,meta/sticky,dev}

  printf 'ext-test\n' > "$R/etc/hostname"
  printf 'NAME="Platter Test Linux"\nID=platter\nVERSION_ID="1.0"\nPRETTY_NAME="Platter Test Linux 1.0"\n' \
    > "$R/etc/os-release"
  printf 'UUID=%s / ext4 defaults 0 1\n/dev/mapper/cs-swap none swap defaults 0 0\n' "$UUID" > "$R/etc/fstab"

  : > "$R/files/empty"
  printf 'hello world\n' > "$R/files/small.txt"
  pattern "$R/files/f59" 59 f59
  pattern "$R/files/f60" 60 f60
  pattern "$R/files/f150" 150 f15
  pattern "$R/files/f4096" 4096 f4k
  pattern "$R/files/f100000" 100000 fht
  pattern "$R/files/big.bin" $((3 * 1048576 + 17)) big
  printf '#!/bin/sh\necho setuid\n' > "$R/files/setuid.sh"; chmod 4755 "$R/files/setuid.sh"
  printf '#!/bin/sh\necho setgid\n' > "$R/files/setgid.sh"; chmod 2755 "$R/files/setgid.sh"
  printf 'xattr holder\n' > "$R/files/xattr_big"
  printf 'xattr holder\n' > "$R/files/xattr_many"
  printf 'acl holder\n' > "$R/files/acl.txt"
  # 300 islands of 4 KiB every 64 KiB: a depth-1 extent tree.
  local island="$OUT/island.tmp"
  pattern "$island" 4096 isl
  truncate -s $((300 * 65536 + 12345)) "$R/files/sparse_many.bin"
  for i in $(seq 0 299); do
    dd if="$island" of="$R/files/sparse_many.bin" bs=4096 seek=$((i * 16)) conv=notrunc status=none
  done
  rm -f "$island"
  pattern "$R/files/tailhole.bin" 5000 tlh
  truncate -s 1048576 "$R/files/tailhole.bin"
  truncate -s $((5 * 1073741824)) "$R/huge/sparse_5g.bin"
  at "$R/huge/sparse_5g.bin" 0 START
  at "$R/huge/sparse_5g.bin" 4500000000 MIDDLE
  at "$R/huge/sparse_5g.bin" $((5 * 1073741824 - 3)) END

  printf 'linked three times\n' > "$R/links/target.txt"
  ln "$R/links/target.txt" "$R/links/hl1"
  ln "$R/links/target.txt" "$R/links/sub/hl3"
  ln -s "$(printf 'x%.0s' $(seq 1 59))" "$R/links/s59"
  ln -s "$(printf 'y%.0s' $(seq 1 60))" "$R/links/s60"
  ln -s "$(printf 'z%.0s' $(seq 1 61))" "$R/links/s61"
  local long=""
  for i in $(seq -w 0 24); do long="$long/averyveryverylongdirectoryname$i"; done
  ln -s "$long" "$R/links/slong"
  ln -s nowhere/at/all "$R/links/dangling"
  ln -s ../dirs "$R/links/todir"
  ln -s /etc/hostname "$R/links/abs"

  for n in 3 40 400 2000; do
    mkdir "$R/dirs/d$n"
    perl -e 'my ($d, $n) = @ARGV;
             for my $i (1 .. $n) { open(my $f, ">", sprintf("%s/file_%06d_%s", $d, $i, "q" x ($i % 40))) or die; }' \
      "$R/dirs/d$n" "$n"
  done
  local p="$R/dirs/deep"
  for i in $(seq -w 1 40); do p="$p/l$i"; done
  mkdir -p "$p"
  printf 'bottom\n' > "$p/leaf.txt"

  : > "$R/names/$(printf 'n%.0s' $(seq 1 255))"
  : > "$R/names/ünïcødé-日本"
  : > "$R/names/with space"
  : > "$R/names/-leading-dash"
  : > "$R/names/.hidden"
  : > "$R/names/$(printf 'caf\351')"              # Latin-1, not valid UTF-8

  printf 'owned by 100000:200000\n' > "$R/meta/owned"
  printf 'old\n' > "$R/meta/old_1960"
  printf 'future\n' > "$R/meta/future_2100"
  chmod 1777 "$R/meta/sticky"
  mkfifo "$R/dev/fifo"
  perl -MSocket -e 'socket(my $s, PF_UNIX, SOCK_STREAM, 0) or die; bind($s, pack_sockaddr_un($ARGV[0])) or die' \
    "$R/dev/socket" 2>/dev/null || true

  find "$R" -exec touch -h -d @1700000000 {} +
  touch -d @-315619200 "$R/meta/old_1960"             # 1960-01-01
  mv "$T.tmp" "$T"
}

# A small tree for fuzzing: few blocks, but every kind of metadata.
make_small_tree() {
  local T="$OUT/small-tree"
  [ -d "$T" ] && return 0
  local R="$T.tmp"
  mkdir -p "$R"/{etc,dir,many,links}
  printf 'fuzz\n' > "$R/etc/hostname"
  pattern "$R/dir/file300k" 307200 f3k
  truncate -s $((20 * 8192)) "$R/dir/sparse"
  for i in $(seq 0 19); do at "$R/dir/sparse" $((i * 8192)) "island$i"; done
  truncate -s $((70 * 1048576)) "$R/dir/dind"
  at "$R/dir/dind" $((69 * 1048576)) tail
  printf 'linked\n' > "$R/links/t"
  ln "$R/links/t" "$R/links/h"
  ln -s t "$R/links/fast"
  ln -s "$(printf 'w%.0s' $(seq 1 80))" "$R/links/slow"
  perl -e 'for my $i (1 .. 150) { open(my $f, ">", sprintf("%s/name_%04d_%s", $ARGV[0], $i, "z" x ($i % 9))) or die; }' \
    "$R/many"
  find "$R" -exec touch -h -d @1700000000 {} +
  mv "$R" "$T"
}

# mke2fs -d copies ctime (the tree's creation time) and atime (which reading the tree moves) from the host:
# debugfs commands that pin both on every inode it made, so that every build gives the same bytes.
# Args: IMAGE BIG_INODES(0/1) [TREE]
pin_times() {
  perl -e 'use File::Find; my ($root, $now, $big) = @ARGV; print "set_current_time $now\n";
           find({ no_chdir => 1, wanted => sub {
             my $p = substr($File::Find::name, length($root)); $p = "/" if $p eq "";
             for my $f ("atime", "ctime") {
               print "sif \"$p\" $f $now\n"; print "sif \"$p\" ${f}_extra 0\n" if $big; } } }, $root);' \
    "${3:-$OUT/tree}" "$NOW" "$2" > "$OUT/pin.tmp"
  debugfs -w -f "$OUT/pin.tmp" "$1" > "$OUT/pin.log" 2>&1 || { tail "$OUT/pin.log" >&2; return 1; }
  rm -f "$OUT/pin.tmp" "$OUT/pin.log"
}

# The post-mkfs edits every image gets: what mke2fs -d cannot express rootless or correctly.
# Args: IMAGE XATTR_BIG_SIZE EXTENTS(0/1) BIG_INODES(0/1)
debugfs_edits() {
  local img="$1" bigsize="$2" extents="$3" biginodes="$4"
  local w="$OUT/edits.tmp"
  mkdir -p "$w"
  head -c "$bigsize" < /dev/zero | tr '\0' B > "$w/big"
  printf 'system_u:object_r:etc_t:s0\0' > "$w/selinux"
  # POSIX ACL u::rw-,u:1000:rw-,g::r--,g:10:r--,m::rw-,o::r-- in the xattr form (debugfs stores the disk form).
  printf '\x02\x00\x00\x00\x01\x00\x06\x00\xff\xff\xff\xff\x02\x00\x06\x00\xe8\x03\x00\x00\x04\x00\x04\x00\xff\xff\xff\xff\x08\x00\x04\x00\x0a\x00\x00\x00\x10\x00\x06\x00\xff\xff\xff\xff\x20\x00\x04\x00\xff\xff\xff\xff' \
    > "$w/acl"
  # Device 300:70000 needs the new encoding, which debugfs mknod refuses: make a char device and rewrite i_block.
  local enc=$(( (70000 & 0xff) | (300 << 8) | ((70000 & ~0xff) << 12) ))
  {
    echo "set_current_time $NOW"
    echo "cd /dev"
    echo "mknod null c 1 3"
    echo "mknod sda b 8 0"
    echo "mknod big c 1 1"
    echo "sif big block[0] 0"
    echo "sif big block[1] $enc"
    echo "sif null mode 020666"
    echo "sif sda mode 060660"
    echo "sif big mode 020600"
    echo "cd /"
    echo "sif /meta/owned uid 100000"
    echo "sif /meta/owned gid 200000"
    echo "ea_set /files/small.txt user.comment short"
    echo "ea_set -f $w/big /files/xattr_big user.big"
    for i in $(seq -w 1 12); do echo "ea_set /files/xattr_many user.many$i value$i"; done
    echo "ea_set -f $w/selinux /files/small.txt security.selinux"
    echo "ea_set -f $w/selinux /etc security.selinux"
    echo "ea_set -f $w/acl /files/acl.txt system.posix_acl_access"
    if [ "$extents" = 1 ]; then
      echo "write /dev/null /files/prealloc"
      echo "fallocate /files/prealloc 0 99"
      echo "sif /files/prealloc size 409600"
    fi
    if [ "$biginodes" = 1 ]; then
      echo "sif /meta/future_2100 mtime 21000101000000"
      echo "sif /meta/future_2100 atime 21000101000000"
    fi
  } > "$w/cmds"
  debugfs -w -f "$w/cmds" "$img" > "$w/log" 2>&1 || { cat "$w/log" >&2; return 1; }
  rm -rf "$w"
}

fsck_clean() { # IMAGE: rebuild htree indexes, then demand a clean check
  local rc=0
  e2fsck -fyD -E discard "$1" > /dev/null 2>&1 || rc=$?
  [ $rc -le 1 ] || { echo "e2fsck -fyD $1 exit $rc" >&2; return 1; }
  e2fsck -fn "$1" > "$1.fsck" 2>&1 || { cat "$1.fsck" >&2; echo "e2fsck -fn $1 not clean" >&2; return 1; }
  rm -f "$1.fsck"
}

build_tree_image() { # NAME SIZE BIGXATTR EXTENTS BIGINODES MKFS-COMMAND...
  make_tree
  build_image_from "$OUT/tree" "$@"
}

build_image_from() { # TREE NAME SIZE BIGXATTR EXTENTS BIGINODES MKFS-COMMAND...
  local tree="$1" name="$2" size="$3" bigx="$4" ext="$5" bigi="$6"
  shift 6
  local img="$OUT/$name.img"
  rm -f "$img"
  truncate -s "$size" "$img"
  "$@" -q -U "$UUID" -E hash_seed="$SEED" -L "$name" -d "$tree" "$img"
  pin_times "$img" "$bigi" "$tree"
  if [ "$tree" = "$OUT/tree" ]; then
    debugfs_edits "$img" "$bigx" "$ext" "$bigi"
  else
    small_edits "$img"
  fi
  fsck_clean "$img"
}

# The xattrs and device of the small tree (in the inode and in a block).
small_edits() {
  head -c 500 < /dev/zero | tr '\0' X > "$OUT/small.tmp"
  debugfs -w -f - "$1" > /dev/null 2>&1 <<EOF
set_current_time $NOW
ea_set /etc/hostname user.a short
ea_set -f $OUT/small.tmp /etc/hostname user.big
ea_set /dir user.d dirattr
cd /links
mknod dev c 3 7
EOF
  rm -f "$OUT/small.tmp"
}

# A small filesystem whose /big directory gets N names through the htree (see the header), hashed with HASH
# (legacy, half_md4, tea) and the signed (1) or unsigned (2) char variant (superblock s_flags).
# Args: NAME SIZE COUNT HASH FLAGS MKFS-OPTIONS...
build_htree_image() {
  local name="$1" size="$2" count="$3" hash="$4" flags="$5"
  shift 5
  local img="$OUT/$name.img" w="$OUT/$name.tmp"
  rm -rf "$img" "$w"
  mkdir -p "$w/src/big"
  # Enough names to need several blocks, so that e2fsck -D indexes the directory before the bulk insert.
  for i in $(seq 1 200); do : > "$w/src/big/seed_$i"; done
  find "$w/src" -exec touch -h -d @1700000000 {} +
  truncate -s "$size" "$img"
  mkfs.ext4 -q -b 1024 -I 128 -U "$UUID" -E hash_seed="$SEED" -L "$name" "$@" -d "$w/src" "$img"
  pin_times "$img" 0 "$w/src"
  printf 'set_current_time %s\nssv def_hash_version %s\nssv flags %s\n' "$NOW" "$hash" "$flags" \
    | debugfs -w -f - "$img" > /dev/null 2>&1
  fsck_clean "$img"
  perl -e 'my ($n) = @ARGV; print "set_current_time '"$NOW"'\ncd /big\n";
           for my $i (0 .. $n - 1) {
             # Every 7th name carries bytes >= 0x80 (signed and unsigned hashes differ on those).
             my $hi = ($i % 7 == 0) ? "\xe9\xfc" : "";
             printf "mknod n%06d%s_%s p\n", $i, $hi, "x" x ($i % 40);
           }' "$count" > "$w/cmds"
  debugfs -w -f "$w/cmds" "$img" > "$w/log" 2>&1 || { tail "$w/log" >&2; return 1; }
  fsck_clean "$img"
  rm -rf "$w"
}

build() {
  local v="$1"
  case "$v" in
    ext4)            build_tree_image "$v" 64M 3000 1 1 mkfs.ext4 -b 4096 ;;
    ext4-inline)     build_tree_image "$v" 64M 3000 1 1 mkfs.ext4 -b 4096 -O inline_data
                     inline_extras "$OUT/$v.img" ;;
    ext4-32bit)      build_tree_image "$v" 64M 3000 1 1 mkfs.ext4 -b 4096 -O ^64bit,^metadata_csum,uninit_bg ;;
    ext4-1k)         build_tree_image "$v" 64M 600 1 0 mkfs.ext4 -b 1024 -I 128 ;;
    ext4-2k)         build_tree_image "$v" 64M 1500 1 1 mkfs.ext4 -b 2048 ;;
    ext4-64k)        build_tree_image "$v" 256M 3000 1 1 mkfs.ext4 -F -b 65536 ;;
    ext4-bigalloc)   build_tree_image "$v" 128M 3000 1 1 mkfs.ext4 -b 4096 -O bigalloc -C 65536 -N 8192 ;;
    ext4-metabg)     build_tree_image "$v" 64M 600 1 1 mkfs.ext4 -b 1024 -g 1024 -O meta_bg,^resize_inode ;;
    ext4-features)   build_tree_image "$v" 64M 3000 1 1 mkfs.ext4 -b 4096 \
                       -O orphan_file,metadata_csum_seed,ea_inode,large_dir
                     head -c 4096 < /dev/zero | tr "\\0" E > "$OUT/ea.tmp"
                     printf 'set_current_time %s\nea_set -f %s /files/xattr_big user.huge\n' "$NOW" "$OUT/ea.tmp" \
                       | debugfs -w -f - "$OUT/$v.img" > /dev/null 2>&1
                     rm -f "$OUT/ea.tmp"
                     fsck_clean "$OUT/$v.img" ;;
    ext4-nodirindex) build_tree_image "$v" 64M 3000 1 1 mkfs.ext4 -b 4096 -O ^dir_index ;;
    ext3)            build_tree_image "$v" 64M 3000 0 1 mkfs.ext3 -b 4096 ;;
    ext2-1k)         build_tree_image "$v" 64M 600 0 0 mkfs.ext2 -b 1024 -I 128 ;;
    htree-100k)      build_htree_image "$v" 200M 100000 half_md4 1 -N 110000 ;;
    htree-legacy-u)  build_htree_image "$v" 16M 3000 legacy 2 ;;
    htree-tea-s)     build_htree_image "$v" 16M 3000 tea 1 ;;
    htree-md4-u)     build_htree_image "$v" 16M 3000 half_md4 2 ;;
    fuzz-ext4)       make_small_tree; build_image_from "$OUT/small-tree" "$v" 4M 0 1 1 mkfs.ext4 -b 1024 -N 256 ;;
    fuzz-ext3)       make_small_tree; build_image_from "$OUT/small-tree" "$v" 4M 0 0 0 mkfs.ext3 -b 1024 -N 256 -I 128 ;;
    fuzz-inline)     make_small_tree; build_image_from "$OUT/small-tree" "$v" 4M 0 1 1 mkfs.ext4 -b 1024 -N 256 \
                       -O inline_data ;;
    *) echo "unknown variant $v" >&2; return 2 ;;
  esac
}

# Inline shapes mke2fs -d does not make: an inline directory, an empty one, a 100-byte file (60 bytes in i_block,
# 40 in the system.data xattr).
inline_extras() {
  local img="$1"
  pattern "$OUT/f100.tmp" 100 ilf
  debugfs -w -f - "$img" > /dev/null 2>&1 <<EOF
set_current_time $NOW
mkdir /inl_dir
ln /files/small.txt /inl_dir/a
ln /files/small.txt /inl_dir/bb
ln /files/small.txt /inl_dir/ccc
mkdir /inl_empty
write $OUT/f100.tmp /f100
EOF
  rm -f "$OUT/f100.tmp"
  fsck_clean "$img"
}

for v in "${VARIANTS[@]}"; do
  build "$v"
done
