#!/usr/bin/env bash
# Prints an mkfs.xfs protofile (mkfs.xfs -p) for a host directory tree: directories, regular files (with setuid and
# setgid bits), symlinks, owners and modes as on the host. Names must not contain whitespace or ':' (a protofile
# limit in xfsprogs 6.1); sockets, devices, hard links, xattrs and times are not carried (protofile limits).
# Usage: xfs-proto-from-tree.sh DIR > proto.txt
set -euo pipefail
walk() { # dir depth
  local e name ind mode uid gid flags
  ind=$(printf '%*s' "$2" '')
  while IFS= read -r e; do
    name=${e##*/}
    read -r mode uid gid < <(stat -c '%a %u %g' "$e")
    if [ -L "$e" ]; then
      echo "$ind$name l--777 $uid $gid $(readlink "$e")"
    elif [ -d "$e" ]; then
      echo "$ind$name d--$(printf '%03o' $(( 8#$mode & 0777 ))) $uid $gid"
      walk "$e" $(( $2 + 1 ))
      echo "$ind\$"
    elif [ -f "$e" ]; then
      flags="-"; (( 8#$mode & 04000 )) && flags="u"
      (( 8#$mode & 02000 )) && flags="${flags}g" || flags="${flags}-"
      echo "$ind$name -$flags$(printf '%03o' $(( 8#$mode & 0777 ))) $uid $gid $e"
    fi
  done < <(find "$1" -mindepth 1 -maxdepth 1 | LC_ALL=C sort)
}
echo /dummy
echo 0 0
echo "d--755 0 0"
walk "$(cd "$1" && pwd)" 1
echo '$'
