#!/bin/sh
# Runs INSIDE the libguestfs appliance (uploaded by make-xfs-kernel-fixtures.sh) with the test filesystem mounted
# read-write at /sysroot: makes the structures only the kernel writes. POSIX sh (dash), no python/perl/awk there.
# Usage: xfs-kernel-populate.sh BLOCKSIZE
set -e
BS="$1"
K=/sysroot/k
mkdir -p "$K"
cd "$K"

# Hard links (protofiles copy them instead).
printf 'hard linked via kernel\n' > hl_a
ln hl_a hl_b
mkdir sub
ln hl_a sub/hl_c

# Attributes: shortform (two small, one empty), leaf (a 3000-byte local value), 60 in one leaf, a node-form fork
# (800 attributes), a remote value (5000 bytes), and a fork in btree format (48 remote values whose blocks are
# interleaved with another file's, so that the attribute fork has too many extents for the inode).
printf 'sf\n' > sf_attrs
setfattr -n user.a -v 1 sf_attrs
setfattr -n trusted.t -v 2 sf_attrs
setfattr -n user.empty sf_attrs
setfattr -n user.small -v v hl_a
setfattr -n security.selinux -v system_u:object_r:etc_t:s0 hl_a
setfattr -n user.big -v "$(printf '%03000d' 7)" hl_a
printf 'many\n' > many
i=1; while [ $i -le 60 ]; do setfattr -n user.attr$i -v value$i many; i=$((i + 1)); done
printf 'node\n' > node_attrs
i=1; while [ $i -le 800 ]; do setfattr -n "user.node_attribute_$i" -v "value-$i-for-a-node-form-fork" node_attrs; i=$((i + 1)); done
printf 'remote\n' > remote
setfattr -n user.huge -v "$(printf '%05000d' 42)" remote
printf 'btree\n' > attr_btree
i=1; while [ $i -le 48 ]; do
  setfattr -n "user.r$i" -v "$(printf "%0$((BS + 100))d" $i)" attr_btree
  xfs_io -f -c "pwrite -S $i $((i * BS)) $BS" -c fsync filler > /dev/null
  i=$((i + 1))
done

# POSIX ACLs (stored as trusted.SGI_ACL_FILE / SGI_ACL_DEFAULT).
printf 'acl\n' > acl_file
setfacl -m u:1000:rw,g:10:r acl_file
mkdir acl_dir
setfacl -d -m u:1000:rwx acl_dir

# A fragmented file: 3072 blocks, each filled with its own byte, then every other block punched out (1536 extents:
# a bmap btree of depth 1 on 4 KiB blocks, depth 2 on 1 KiB blocks).
args=""
i=0; while [ $i -lt 3072 ]; do args="$args -c \"pwrite -S $((i % 251 + 1)) $((i * BS)) $BS\""; i=$((i + 1)); done
eval xfs_io -f $args -c fsync frag > /dev/null
args=""
i=1; while [ $i -lt 3072 ]; do args="$args -c \"fpunch $((i * BS)) $BS\""; i=$((i + 2)); done
eval xfs_io $args frag > /dev/null

# Unwritten extents and sparse files (one beyond 4 GiB).
xfs_io -f -c "falloc 0 1m" -c "pwrite -S 0x55 $BS $BS" unwritten > /dev/null
xfs_io -f -c "pwrite -S 0x53 0 4096" -c "pwrite -S 0x45 5g 4096" sparse5g > /dev/null
xfs_io -f -c "pwrite -S 0x54 0 5000" -c "truncate 1m" tailhole > /dev/null

# Timestamps: bigtime range, before 1970, nanoseconds.
touch y2200 y1901 nanos
touch -d 2200-01-01T00:00:00Z y2200
touch -d 1901-12-14T00:00:00Z y1901
touch -d '2020-02-02 02:02:02.123456789Z' nanos

# Symlinks: local and remote (with the v5 XSLM header the kernel writes).
ln -s hl_a sym_short
ln -s "$(i=0; while [ $i -lt 25 ]; do printf '/averyveryverylongdirectoryname%02d' $i; i=$((i + 1)); done | head -c 825)" sym_long
ln -s "$(printf '%01023d' 1)" sym_max

# Special files (the socket is made by guestfish's mknod), ownership.
mkfifo fifo
mknod chr c 300 70000
printf 'owned\n' > owned
chown 100000:200000 owned

# A directory after deletions: free space inside data blocks, stale hash entries, and whole data blocks freed.
mkdir del
cd del
i=0; while [ $i -lt 3000 ]; do : > "entry_number_$i"; i=$((i + 1)); done
find . -name 'entry_number_*[0369]' -delete
find . -name 'entry_number_1[0-9][0-9][0-9]' -delete
cd ..
sync
