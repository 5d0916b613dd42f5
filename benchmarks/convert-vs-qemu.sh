#!/usr/bin/env bash
# Side by side: ./platter convert against qemu-img convert on the same files (the workloads W1-W6 of issue 4, plus
# W0, raw to raw). Generates the workloads, runs each tool alternately RUNS times, and prints each one's median wall
# time, median CPU time (user + system; steadier than wall time on a busy machine), median peak resident memory
# (GNU time's %M) and the ratio Platter / qemu-img of the wall times. Every Platter output is then
# checked once (qemu-img compare against the source, qemu-img check for qcow2). Page cache stays warm (caches are
# not dropped): both tools read the same cached source; dirty data is synced before each run.
#
# Usage: benchmarks/convert-vs-qemu.sh [--scale N] [--runs N] [--only W1,W4,...] [--dir DIR] [--keep]
#   --scale N   divide every workload size by N (1 = the issue's sizes: 16 GiB virtual with 4 GiB of data,
#               256 GiB sparse with 64 MiB); e.g. --scale 64 for a quick smoke run
#   --runs N    runs per tool and workload (default 5)
#   --only L    comma-separated workloads to run (default W0,W1,W2,W3,W4,W5,W6,W7,W8a,W8b,W8c,W9a,W9b,W9c,W10a,
#               W10b,W11a,W11b,W12a,W12b)
#   --dir DIR   where to put the images (default: a new folder under /var/tmp); needs about 3x the data size
#   --keep      keep the images afterwards
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SCALE=1
RUNS=5
ONLY="W0,W1,W2,W3,W4,W5,W6,W7,W8a,W8b,W8c,W9a,W9b,W9c,W10a,W10b,W11a,W11b,W12a,W12b"
DIR=""
KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) SCALE="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --only) ONLY="$2"; shift 2 ;;
    --dir) DIR="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done
for tool in qemu-img qemu-io java mvn /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }
done
if [ -z "$DIR" ]; then
  DIR="$(mktemp -d /var/tmp/platter-bench.XXXXXX)"
else
  mkdir -p "$DIR"
fi
cleanup() { if [ "$KEEP" = 0 ]; then rm -rf "$DIR"; fi; }
trap cleanup EXIT
want() { [[ ",$ONLY," == *",$1,"* ]]; }
srcfmt() { if [ "$1" = image-opts ]; then echo --image-opts; else echo -f "$1"; fi; }

GiB=$((1 << 30)); MiB=$((1 << 20))
V1=$((16 * GiB / SCALE)); D1=$((4 * GiB / SCALE))
V5=$((256 * GiB / SCALE)); D5=$((64 * MiB / SCALE))
CHAIN_WRITES=$((256 / SCALE)); [ "$CHAIN_WRITES" -lt 4 ] && CHAIN_WRITES=4

echo "== building ./platter and the workload generator" >&2
P="$ROOT/platter"
"$P" --version >/dev/null
(cd "$ROOT" && mvn -q -B -pl benchmarks -am package -DskipTests >&2)
GEN=(java -cp "$ROOT/benchmarks/target/benchmarks.jar" dev.platter.benchmarks.Workload)

echo "== generating workloads in $DIR (scale 1/$SCALE)" >&2
SRC="$DIR/w1.raw"
if want W0 || want W1 || want W2 || want W3 || want W4 || want W6 || want W7 || want W8a || want W8b \
    || want W8c || want W9a || want W9b || want W9c || want W10a || want W10b || want W11a || want W11b \
    || want W12a || want W12b; then
  [ -f "$SRC" ] || "${GEN[@]}" "$SRC" "$V1" "$D1" 1
fi
if want W4; then
  [ -f "$DIR/w2-input.qcow2" ] || qemu-img convert -c -f raw -O qcow2 "$SRC" "$DIR/w2-input.qcow2"
fi
if want W8a; then
  [ -f "$DIR/w8-stream.vmdk" ] || qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$SRC" \
    "$DIR/w8-stream.vmdk"
fi
if want W8c; then
  [ -f "$DIR/w8-sparse.vmdk" ] || qemu-img convert -f raw -O vmdk "$SRC" "$DIR/w8-sparse.vmdk"
fi
if want W9c; then
  [ -f "$DIR/w9-dynamic.vhd" ] || qemu-img convert -f raw -O vpc "$SRC" "$DIR/w9-dynamic.vhd"
fi
if want W10b; then
  [ -f "$DIR/w10-dynamic.vhdx" ] || qemu-img convert -f raw -O vhdx "$SRC" "$DIR/w10-dynamic.vhdx"
fi
if want W11b; then
  [ -f "$DIR/w11.vdi" ] || qemu-img convert -f raw -O vdi "$SRC" "$DIR/w11.vdi"
fi
# Encrypted qcow2 (LUKS, qemu's defaults but a 100 ms PBKDF2 (qemu's own timing fails below that on a busy machine).
SECRET="secret,id=s0,data=platter-bench"
ENC="-o encrypt.format=luks,encrypt.key-secret=s0,encrypt.iter-time=100"
# qemu's PBKDF2 calibration fails now and then on a 0 ms CPU-time sample ("Unable to get accurate CPU usage"):
# its encrypted conversions run through this wrapper, which retries that failure (a few ms each).
QEMU_RETRY="$DIR/qemu-img-retry"
cat > "$QEMU_RETRY" <<'WRAP'
#!/usr/bin/env bash
for attempt in 1 2 3 4 5; do
  err=$(qemu-img "$@" 2>&1 >/dev/null) && exit 0
  [[ "$err" == *"Unable to get accurate CPU usage"* ]] || { echo "$err" >&2; exit 1; }
done
echo "$err" >&2; exit 1
WRAP
chmod +x "$QEMU_RETRY"
if want W12b; then
  # shellcheck disable=SC2086
  [ -f "$DIR/w12.qcow2" ] || "$QEMU_RETRY" convert --object "$SECRET" -f raw -O qcow2 $ENC "$SRC" "$DIR/w12.qcow2"
fi
if want W5; then
  [ -f "$DIR/w5.raw" ] || "${GEN[@]}" "$DIR/w5.raw" "$V5" "$D5" 5
fi
if want W6 && [ ! -f "$DIR/w6-top.qcow2" ]; then
  qemu-img convert -f raw -O qcow2 "$SRC" "$DIR/w6-base.qcow2"
  # Two overlays on top, each with CHAIN_WRITES scattered 1 MiB writes.
  prev="$DIR/w6-base.qcow2"
  for layer in mid top; do
    qemu-img create -q -f qcow2 -b "$prev" -F qcow2 "$DIR/w6-$layer.qcow2"
    cmds=()
    for i in $(seq "$CHAIN_WRITES"); do
      off=$(( (RANDOM * 32768 + RANDOM) % (V1 / MiB) * MiB ))
      cmds+=(-c "write -P $(( (i * 37 + ${#layer}) % 255 + 1 )) $off 1M")
    done
    qemu-io -f qcow2 "${cmds[@]}" "$DIR/w6-$layer.qcow2" >/dev/null
    prev="$DIR/w6-$layer.qcow2"
  done
fi

QEMU_IMG=qemu-img
RESULTS="$DIR/results.txt"
: > "$RESULTS"
# run LABEL OUTPUT cmd... : one timed run; appends "LABEL wall_us rss_kib cpu_ms" to the results
run() {
  local label="$1" out="$2"; shift 2
  [ "$out" = /dev/null ] || rm -f "$out"   # never the null device (the start-up runs write there)
  # Start every run with the previous run's output written back, so that no run pays for another's writeback.
  sync
  local s e
  s=$(date +%s%N)
  /usr/bin/time -f "%M %U %S" -o "$DIR/time.txt" "$@" >/dev/null 2>"$DIR/err.txt" || {
    echo "FAILED: $*" >&2; cat "$DIR/err.txt" >&2; exit 1; }
  e=$(date +%s%N)
  echo "$label $(( (e - s) / 1000 )) $(tail -1 "$DIR/time.txt" | awk '{printf "%d %d", $1, ($2 + $3) * 1000}')" \
    >> "$RESULTS"
}
median() { # label field -> median of that field over the label's runs
  awk -v l="$1" -v f="$2" '$1 == l {print $f}' "$RESULTS" | sort -n \
    | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print 0}'
}
check() { # out src srcfmt outfmt [target key] -> "ok" or what failed
  local out="$1" src="$2" sf="$3" of="$4" key="${5:-}"
  if [ "$sf" = image-opts ] || [ -n "$key" ]; then
    local a="$src" b="driver=$of,file.filename=$out$key"
    [ "$sf" = image-opts ] || a="driver=$sf,file.filename=$src"
    qemu-img compare --object "$SECRET" -q --image-opts "$a" "$b" || { echo "COMPARE-FAILED"; return; }
    if [ -n "$key" ]; then
      qemu-img check --object "$SECRET" -q --image-opts "$b" >/dev/null 2>&1 || { echo "CHECK-FAILED"; return; }
    fi
    echo ok
    return
  fi
  qemu-img compare -q -f "$sf" -F "$of" "$src" "$out" || { echo "COMPARE-FAILED"; return; }
  if [ "$of" = qcow2 ] || [ "$of" = vmdk ] || [ "$of" = vhdx ] || [ "$of" = vdi ]; then
    qemu-img check -q "$out" >/dev/null 2>&1 || { echo "CHECK-FAILED"; return; }
  fi
  echo ok
}

# workload NAME SRC SRCFMT OUTFMT "OPTIONS" [second qemu-img baseline options] [target key for check]
# (SRCFMT image-opts: SRC is an --image-opts string)
workload() {
  local name="$1" src="$2" sf="$3" of="$4" opts="$5" alt="${6:-}" key="${7:-}"
  local qout="$DIR/$name.qemu.$of" pout="$DIR/$name.platter.$of" aout="$DIR/$name.qemu-alt.$of"
  echo "== $name: convert -f $sf -O $of $opts ($RUNS runs each)" >&2
  for _ in $(seq "$RUNS"); do
    # shellcheck disable=SC2086
    run "$name.qemu" "$qout" "$QEMU_IMG" convert $(srcfmt "$sf") -O "$of" $opts "$src" "$qout"
    if [ -n "$alt" ]; then
      # shellcheck disable=SC2086
      run "$name.qemu-alt" "$aout" "$QEMU_IMG" convert $(srcfmt "$sf") -O "$of" $opts $alt "$src" "$aout"
    fi
    # shellcheck disable=SC2086
    run "$name.platter" "$pout" "$P" convert $(srcfmt "$sf") -O "$of" $opts "$src" "$pout"
  done
  local q p a qm pm qc pc am ac
  q=$(median "$name.qemu" 2); p=$(median "$name.platter" 2)
  qm=$(median "$name.qemu" 3); pm=$(median "$name.platter" 3)
  qc=$(median "$name.qemu" 4); pc=$(median "$name.platter" 4)
  row() { printf '%-4s %-26s %9.3f %9.3f %9d %8s %14d  %s\n' "$@" >> "$DIR/table.txt"; }
  row "$name" "qemu-img" "$(echo "$q/1000000" | bc -l)" "$(echo "$qc/1000" | bc -l)" $((qm / 1024)) "" \
    "$(stat -c %s "$qout")" ""
  if [ -n "$alt" ]; then
    a=$(median "$name.qemu-alt" 2); am=$(median "$name.qemu-alt" 3); ac=$(median "$name.qemu-alt" 4)
    row "$name" "qemu-img $alt" "$(echo "$a/1000000" | bc -l)" "$(echo "$ac/1000" | bc -l)" $((am / 1024)) "" \
      "$(stat -c %s "$aout")" ""
  fi
  row "$name" "platter" "$(echo "$p/1000000" | bc -l)" "$(echo "$pc/1000" | bc -l)" $((pm / 1024)) \
    "$(printf '%.2fx' "$(echo "$p/$q" | bc -l)")" "$(stat -c %s "$pout")" "$(check "$pout" "$src" "$sf" "$of" "$key")"
  if [ -n "$alt" ]; then
    printf '%-4s %-26s %9s %9s %9s %7.2fx  (platter / qemu-img %s)\n' "$name" "" "" "" "" \
      "$(echo "$p/$a" | bc -l)" "$alt" >> "$DIR/table.txt"
  fi
  rm -f "$qout" "$pout" "$aout"
}

: > "$DIR/table.txt"
# Platter's default target cache is 'none' (O_DIRECT data writes); qemu-img's is 'unsafe'. The uncompressed
# workloads also run qemu-img with -t none, so that both cache modes are compared.
want W0 && workload W0 "$SRC" raw raw "" "-t none"
want W1 && workload W1 "$SRC" raw qcow2 "" "-t none"
want W2 && workload W2 "$SRC" raw qcow2 "-c" "-W -m 16"
want W3 && workload W3 "$SRC" raw qcow2 "-c -o compression_type=zstd"
want W4 && workload W4 "$DIR/w2-input.qcow2" qcow2 raw "" "-t none"
want W5 && workload W5 "$DIR/w5.raw" raw qcow2 ""
want W6 && workload W6 "$DIR/w6-top.qcow2" qcow2 qcow2 "" "-t none"
# VMDK: streamOptimized out (compressed, level 6 on both sides) and back, monolithicSparse both ways.
want W7 && workload W7 "$SRC" raw vmdk "-o subformat=streamOptimized"
want W8a && workload W8a "$DIR/w8-stream.vmdk" vmdk raw "" "-t none"
want W8b && workload W8b "$SRC" raw vmdk "" "-t none"
want W8c && workload W8c "$DIR/w8-sparse.vmdk" vmdk raw "" "-t none"
# VHD: dynamic and fixed out, dynamic back (issue 13's targets: 0.8x, 1.0x, 0.8x).
want W9a && workload W9a "$SRC" raw vpc "" "-t none"
want W9b && workload W9b "$SRC" raw vpc "-o subformat=fixed" "-t none"
want W9c && workload W9c "$DIR/w9-dynamic.vhd" vpc raw "" "-t none"
# VHDX: dynamic (qemu-img's defaults) out and back.
want W10a && workload W10a "$SRC" raw vhdx "" "-t none"
want W10b && workload W10b "$DIR/w10-dynamic.vhdx" vhdx raw "" "-t none"
# VDI (dynamic, 1 MiB blocks) out and back.
want W11a && workload W11a "$SRC" raw vdi "" "-t none"
want W11b && workload W11b "$DIR/w11.vdi" vdi raw "" "-t none"
# Encrypted qcow2 (LUKS, aes-256-xts) out and back.
QEMU_IMG="$QEMU_RETRY"
want W12a && workload W12a "$SRC" raw qcow2 "--object $SECRET $ENC" "-t none" ",encrypt.key-secret=s0"
want W12b && workload W12b "driver=qcow2,file.filename=$DIR/w12.qcow2,encrypt.key-secret=s0" image-opts raw \
  "--object $SECRET" "-t none"

# Bare start-up of the launcher, for W5's "beyond start-up" comparison.
for _ in $(seq "$RUNS"); do run startup /dev/null "$P" --version; done
startup=$(median startup 2)

echo
echo "Platter vs qemu-img convert, $(date -u +%Y-%m-%d), scale 1/$SCALE, $RUNS runs each, median wall time"
echo "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), load average at the end:" \
  "$(cut -d' ' -f1-3 /proc/loadavg), $(java -version 2>&1 | head -1), $(qemu-img --version | head -1)"
echo "W0 raw->raw, W1 raw->qcow2, W2 -c zlib, W3 -c zstd, W4 compressed qcow2->raw, W5 sparse raw->qcow2,"
echo "W6 qcow2 chain of 3 -> qcow2 (flattened), W7 raw -> vmdk streamOptimized, W8a streamOptimized -> raw,"
echo "W8b raw -> vmdk monolithicSparse, W8c monolithicSparse -> raw, W9a raw -> vhd dynamic, W9b raw -> vhd fixed,"
echo "W9c vhd dynamic -> raw, W10a raw -> vhdx dynamic, W10b vhdx dynamic -> raw, W11a raw -> vdi, W11b vdi -> raw,"
echo "W12a raw -> qcow2 with LUKS (aes-256-xts-plain64), W12b encrypted qcow2 -> raw."
echo "Ratio = platter / qemu-img; 'ok' = qemu-img compare equal and check clean."
echo
printf '%-4s %-26s %9s %9s %9s %8s %14s\n' "" "tool" "wall s" "cpu s" "peak MiB" "ratio" "output bytes"
cat "$DIR/table.txt"
printf '\n./platter --version (bare start-up): %.3f s\n' "$(echo "$startup/1000000" | bc -l)"
if want W5; then
  q=$(median W5.qemu 2); p=$(median W5.platter 2)
  printf 'W5 beyond start-up: platter %.3f s vs qemu-img %.3f s\n' "$(echo "($p-$startup)/1000000" | bc -l)" \
    "$(echo "$q/1000000" | bc -l)"
fi
