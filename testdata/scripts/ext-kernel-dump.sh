#!/bin/sh
# Prints what the kernel sees of a mounted ext filesystem: the oracle of ExtKernelJournalTest
# (testdata/fixtures/ext*-journal-*.expected). Usage: ext-kernel-dump.sh MOUNTPOINT
cd "$1"
echo '# find: path type mode uid gid size nlink mtime target'
find . -printf '%p\t%y\t%m\t%U\t%G\t%s\t%n\t%T@\t%l\n' | LC_ALL=C sort
echo '# md5'
find . -type f -exec md5sum {} + | LC_ALL=C sort -k2
echo '# statfs: bsize blocks bfree bavail files ffree'
stat -f -c '%S %b %f %a %c %d' .
echo '# end'
