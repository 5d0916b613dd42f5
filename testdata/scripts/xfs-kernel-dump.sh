#!/bin/sh
# Runs INSIDE the libguestfs appliance with a filesystem mounted read-only at /sysroot: prints what the kernel
# sees, the oracle for Platter's XFS tests (testdata/fixtures/*.expected).
cd /sysroot
echo '# find: path type mode uid gid size nlink inode blocks mtime atime ctime target'
find . -printf '%p\t%y\t%m\t%U\t%G\t%s\t%n\t%i\t%b\t%T@\t%A@\t%C@\t%l\n' | LC_ALL=C sort
echo '# rdev: path major minor (hex)'
find . \( -type c -o -type b \) -exec stat -c '%n	%t	%T' {} + | LC_ALL=C sort
echo '# birth: path seconds'
find . -path './k/del/*' -prune -o -exec stat -c '%n	%W' {} + | LC_ALL=C sort
echo '# md5'
find . -type f -path './k/*' -exec md5sum {} + | LC_ALL=C sort -k2
echo '# xattrs'
getfattr -R -P -h -d -m - -e hex k 2>/dev/null
echo '# statfs: bsize blocks bfree bavail files ffree'
stat -f -c '%S %b %f %a %c %d' /sysroot
echo '# end'
