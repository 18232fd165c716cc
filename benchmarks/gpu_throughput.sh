#!/usr/bin/env bash
# GPU training throughput of the full-size CORnet-S (width 1, 224 px, batch 256): images/s with AMP (bfloat16) off
# and on, NCHW and channels_last, eager and torch.compile, the 43-epoch ImageNet estimate, and the data path's
# images/s per CPU core (how many DataLoader workers the GPU needs). Synthetic tensors and synthetic JPEGs only: no
# network, no data. With real images (an ImageNet-layout folder in $WIRINGUP_IMAGENET, e.g. ../shared/data's
# imagenette80), it also runs benchmarks/bench_training.py on them (reference loop vs this project's trainer).
#   bash benchmarks/gpu_throughput.sh                  # results under $OUT if set, else results/benchmarks_gpu/
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
[ -x "$PY" ] || PY=python3
OUT=${OUT:-results/benchmarks_gpu}
mkdir -p "$OUT"
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}" BS_INSTALL_DEPENDENCIES=no AWS_EC2_METADATA_DISABLED=true
{
  echo "# $(date -u +%FT%TZ) $(hostname)"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
  "$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.get_device_name(0))"
  "$PY" benchmarks/bench_step.py --amp both --channels-last both --compile off --data-rate --out "$OUT/step.json"
  # torch.compile (compile time reported as warmup_s in the JSON)
  "$PY" benchmarks/bench_step.py --amp both --channels-last on --compile on --steps 30 --out "$OUT/step_compile.json" \
    || echo "torch.compile run failed"
  if [ -n "${WIRINGUP_IMAGENET:-}" ] && [ -d "$WIRINGUP_IMAGENET/train" ]; then
    "$PY" benchmarks/bench_training.py --data-root "$(dirname "$WIRINGUP_IMAGENET")" \
      --imagenet "$(basename "$WIRINGUP_IMAGENET")" --images all --width 1 --size 224 --batch 256 --steps 40 \
      --warmup 10 --rounds 2 --threads 8 --workers "${WORKERS:-8}" --device cuda --amp --out "$OUT/training.json"
  fi
} 2>&1 | grep -v '^USDT' | tee "$OUT/gpu_throughput.txt"
