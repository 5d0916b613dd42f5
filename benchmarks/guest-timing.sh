# Shared by guest.sh and guest-xfs.sh (sourced, not run): times each of CASES ("platter args|libguestfs command",
# with IMG, OUT and TAR standing for the image, an output folder and a tar file) RUNS times through ./platter ($P)
# and LG_RUNS times through libguestfs, and prints the table under TITLE. Needs WORK, IMG, P, RUNS, LG_RUNS.

median_ms() { # runs command... -> "median wall ms  median cpu ms"
  local runs=$1; shift
  local walls=() cpus=()
  for _ in $(seq "$runs"); do
    rm -rf "$WORK/out" "$WORK/out.tar"; mkdir "$WORK/out"
    /usr/bin/time -f '%e %U %S' -o "$WORK/time" "$@" >/dev/null 2>&1 || true
    read -r e u s < "$WORK/time"
    walls+=("$(awk -v e="$e" 'BEGIN {printf "%d", e * 1000}')")
    cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN {printf "%d", (u + s) * 1000}')")
  done
  med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  echo "$(med "${walls[@]}") $(med "${cpus[@]}")"
}

printf '%-44s %10s %10s %14s\n' "$TITLE" "platter ms" "(cpu ms)" "libguestfs ms"
for c in "${CASES[@]}"; do
  pc=${c%%|*}; lc=${c#*|}
  sub() { local x=${1//IMG/$IMG}; x=${x//OUT/$WORK/out}; echo "${x//TAR/$WORK/out.tar}"; }
  # shellcheck disable=SC2046
  read -r pm pc_cpu <<< "$(median_ms "$RUNS" "$P" $(sub "$pc"))"
  lm="-"
  if [ "$LG_RUNS" -gt 0 ] && command -v "${lc%% *}" >/dev/null; then
    # shellcheck disable=SC2046
    read -r lm _ <<< "$(median_ms "$LG_RUNS" $(sub "$lc"))"
  fi
  printf '%-44s %10s %10s %14s\n' "${pc//IMG/img}" "$pm" "$pc_cpu" "$lm"
done
echo "(median of $RUNS runs for Platter, $LG_RUNS for libguestfs; $(date -u +%Y-%m-%d), $(nproc) cores," \
     "$(java -version 2>&1 | head -1), libguestfs ${LIBGUESTFS_BACKEND_SETTINGS:-kvm}," \
     "load average $(cut -d' ' -f1-3 /proc/loadavg))"
