#!/usr/bin/env bash
# Training throughput of CORnet-S on this machine, by default the GPU measurement of the full-size model (width 1,
# 224 px, batch 256): images/s with AMP (bfloat16) off and on, NCHW and channels_last, eager and torch.compile, the
# 43-epoch ImageNet estimate, and the data path's images/s per CPU core (how many DataLoader workers the GPU
# needs). Synthetic tensors and synthetic JPEGs only: no network, no data. With real images (an ImageNet-layout
# folder in $WIRINGUP_IMAGENET, e.g. a copy of ../shared/data/imagenette80) or SYNTHETIC=N (N synthetic
# ImageNet-sized JPEGs), it also runs benchmarks/bench_training.py on them (reference loop vs this project's
# trainer, WORKERS DataLoader workers).
#
#   bash benchmarks/gpu_throughput.sh                   # the GPU measurement (fails early without a CUDA GPU)
#   SYNTHETIC=2048 bash benchmarks/gpu_throughput.sh    # ... plus the two training loops on synthetic JPEGs
#   bash benchmarks/gpu_throughput.sh --device cpu      # the same on the CPU at the embedded default's scale
#   bash benchmarks/gpu_throughput.sh --tiny            # a seconds-long smoke run of each part (no compile)
#
# Every size can be set from the environment: WIDTH SIZE BATCH CLASSES STEPS WARMUP (bench_step), COMPILE=on|off
# (default on for CUDA, off on CPU) with COMPILE_TIMEOUT seconds, MATMUL (matmul side), DATA_IMAGES (JPEGs timed
# for the data path), THREADS, WORKERS, TRAIN_STEPS, TRAIN_WARMUP, TRAIN_BATCH, TRAIN_ROUNDS (bench_training),
# PYTHON (interpreter; default .venv/bin/python, else python3).
#
# Results: $OUT if set (the device tool's folder), else results/benchmarks_gpu/ : machine.txt (nvidia-smi, lscpu,
# versions), step.json, step_compile.json, training.json (each only if that part ran), gpu_throughput.txt (the whole
# log) and status.txt (one line per part: name and exit code). Exit code: that of the main measurement (step.json).
set -uo pipefail
cd "$(dirname "$0")/.."

DEVICE=${DEVICE:-auto}
TINY=${TINY:-0}
while [ $# -gt 0 ]; do
  case "$1" in
    --device) DEVICE=$2; shift 2 ;;
    --device=*) DEVICE=${1#*=}; shift ;;
    --tiny) TINY=1; shift ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu_throughput.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || command -v "$PY" >/dev/null 2>&1 || PY=python3
OUT=${OUT:-results/benchmarks_gpu}
mkdir -p "$OUT"
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" BS_INSTALL_DEPENDENCIES=no AWS_EC2_METADATA_DISABLED=true
export PYTHONUNBUFFERED=1

# one interpreter start: check the imports, describe torch and the accelerators, tell whether CUDA is there
if ! "$PY" - >"$OUT/python.txt" 2>"$OUT/import_error.txt" <<'EOF'
import platform
import numpy, PIL, torch, torchvision  # noqa: F401
print("python", platform.python_version(), "torch", torch.__version__, "torchvision", torchvision.__version__,
      "numpy", numpy.__version__, "cuda", torch.version.cuda,
      "cudnn", torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None)
if torch.cuda.is_available():
    p = torch.cuda.get_device_properties(0)
    print("gpu", torch.cuda.get_device_name(0), f"{p.total_memory / 2**30:.0f} GiB", f"{p.multi_processor_count} SMs",
          "bf16", torch.cuda.is_bf16_supported())
try:
    from wiringup.training import cpu_bf16_supported
    print("cpu capability", torch.backends.cpu.get_cpu_capability(), "native bf16", cpu_bf16_supported())
except Exception as exc:  # noqa: BLE001
    print("cpu bf16 check failed:", exc)
print("HAS_CUDA", int(torch.cuda.is_available()))
EOF
then
  echo "gpu_throughput.sh: $PY cannot import torch, torchvision, numpy and PIL:" >&2
  cat "$OUT/import_error.txt" >&2
  exit 3
fi
rm -f "$OUT/import_error.txt"
HAS_CUDA=$(sed -n 's/^HAS_CUDA //p' "$OUT/python.txt")
if [ "$DEVICE" = auto ]; then
  if [ "$HAS_CUDA" = 1 ]; then DEVICE=cuda
  elif [ "$TINY" = 1 ]; then DEVICE=cpu
  else
    echo "gpu_throughput.sh: no CUDA GPU visible to $PY; use --device cpu (CPU at 64 px) or --tiny (smoke run)" >&2
    exit 4
  fi
fi
if [ "$DEVICE" = cuda ] && [ "$HAS_CUDA" != 1 ]; then
  echo "gpu_throughput.sh: --device cuda, but torch sees no CUDA GPU" >&2
  exit 4
fi

# sizes: the GPU measurement; on the CPU the embedded default's scale (config/config.yaml); --tiny: seconds
if [ "$TINY" = 1 ]; then
  d_width=0.25; d_size=32; d_batch=4; d_classes=10; d_steps=2; d_warmup=1; d_matmul=256; d_data=8; d_threads=2
  d_workers=1; d_tsteps=3; d_twarm=1; d_tbatch=4; d_rounds=1; d_synth=12; d_compile=off
elif [ "$DEVICE" = cpu ]; then
  d_width=0.25; d_size=64; d_batch=64; d_classes=10; d_steps=10; d_warmup=2; d_matmul=2048; d_data=64
  d_threads=$(nproc); d_workers=0; d_tsteps=24; d_twarm=4; d_tbatch=64; d_rounds=2; d_synth=0; d_compile=off
else
  d_width=1; d_size=224; d_batch=256; d_classes=1000; d_steps=30; d_warmup=5; d_matmul=4096; d_data=64; d_threads=8
  d_workers=8; d_tsteps=40; d_twarm=10; d_tbatch=256; d_rounds=2; d_synth=0; d_compile=on
fi
WIDTH=${WIDTH:-$d_width} SIZE=${SIZE:-$d_size} BATCH=${BATCH:-$d_batch} CLASSES=${CLASSES:-$d_classes}
STEPS=${STEPS:-$d_steps} WARMUP=${WARMUP:-$d_warmup} MATMUL=${MATMUL:-$d_matmul} DATA_IMAGES=${DATA_IMAGES:-$d_data}
THREADS=${THREADS:-$d_threads} WORKERS=${WORKERS:-$d_workers} TRAIN_STEPS=${TRAIN_STEPS:-$d_tsteps}
TRAIN_WARMUP=${TRAIN_WARMUP:-$d_twarm} TRAIN_BATCH=${TRAIN_BATCH:-$d_tbatch} TRAIN_ROUNDS=${TRAIN_ROUNDS:-$d_rounds}
SYNTHETIC=${SYNTHETIC:-$d_synth} COMPILE=${COMPILE:-$d_compile} COMPILE_TIMEOUT=${COMPILE_TIMEOUT:-420}
: > "$OUT/status.txt"

part() {  # part NAME COMMAND...: run one part, log its exit code, never stop the script
  local name=$1; shift
  echo; echo "## $name: $*"
  "$@"
  local rc=$?
  echo "$name $rc" >> "$OUT/status.txt"
  [ "$rc" = 0 ] || echo "## $name failed (exit $rc)"
  return "$rc"
}

machine() {
  echo "# $(date -u +%FT%TZ) $(hostname) $(uname -srm)"
  if command -v nvidia-smi >/dev/null 2>&1; then
    nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm,power.limit --format=csv 2>&1
    nvidia-smi 2>&1
  else
    echo "no nvidia-smi"
  fi
  if command -v lscpu >/dev/null 2>&1; then lscpu | grep -v '^Vulnerability'; else grep -m1 'model name' /proc/cpuinfo; fi
  echo "nproc $(nproc)"
  command -v free >/dev/null 2>&1 && free -g | head -2
  grep -v '^HAS_CUDA' "$OUT/python.txt"
}

main() {
  echo "# gpu_throughput.sh: device $DEVICE, CORnet-S width $WIDTH, $SIZE px, batch $BATCH; python $PY; results in $OUT"
  machine | tee "$OUT/machine.txt"
  part step "$PY" benchmarks/bench_step.py --device "$DEVICE" --width "$WIDTH" --size "$SIZE" --batch "$BATCH" \
    --classes "$CLASSES" --steps "$STEPS" --warmup "$WARMUP" --amp both --channels-last both --compile off \
    --matmul-size "$MATMUL" --data-rate --data-images "$DATA_IMAGES" --out "$OUT/step.json"
  local rc=$?
  if [ "$COMPILE" = on ]; then  # torch.compile (compile time reported as warmup_s in the JSON)
    part step_compile timeout "$COMPILE_TIMEOUT" "$PY" benchmarks/bench_step.py --device "$DEVICE" --width "$WIDTH" \
      --size "$SIZE" --batch "$BATCH" --classes "$CLASSES" --steps "$STEPS" --warmup "$WARMUP" --amp both \
      --channels-last on --compile on --matmul-size "$MATMUL" --out "$OUT/step_compile.json"
  fi
  local images=()
  if [ -n "${WIRINGUP_IMAGENET:-}" ] && [ -d "$WIRINGUP_IMAGENET/train" ]; then
    images=(--data-root "$(dirname "$WIRINGUP_IMAGENET")" --imagenet "$(basename "$WIRINGUP_IMAGENET")" --images all)
  elif [ "$SYNTHETIC" -gt 0 ]; then
    images=(--synthetic "$SYNTHETIC")
  fi
  if [ ${#images[@]} -gt 0 ]; then
    local amp=(); [ "$DEVICE" = cuda ] && amp=(--amp)
    part training "$PY" benchmarks/bench_training.py "${images[@]}" --width "$WIDTH" --size "$SIZE" \
      --batch "$TRAIN_BATCH" --steps "$TRAIN_STEPS" --warmup "$TRAIN_WARMUP" --rounds "$TRAIN_ROUNDS" \
      --threads "$THREADS" --workers "$WORKERS" --device "$DEVICE" --matmul-size "$MATMUL" "${amp[@]}" \
      --out "$OUT/training.json"
  else
    echo; echo "## training: skipped (set WIRINGUP_IMAGENET=<ImageNet-layout folder> or SYNTHETIC=<N JPEGs>)"
  fi
  return "$rc"
}

main 2>&1 | grep --line-buffered -v '^USDT' | tee "$OUT/gpu_throughput.txt"
rc=${PIPESTATUS[0]}
rm -f "$OUT/python.txt"
exit "$rc"
