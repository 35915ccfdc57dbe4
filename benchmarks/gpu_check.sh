#!/usr/bin/env bash
# The GPU check of ViTP pretraining, at most about 5 minutes on one H100/H200: the InternVL-2.5-1B *architecture* with
# random weights (preset internvl2_5-1b, nothing downloaded) runs a few real Learner steps with VRL r = 0 and r = 0.75
# taking turns, at the paper's shapes (448 px tiles, 256 image tokens per tile, 6 tiles + thumbnail per sample, bf16
# autocast, the largest batch of 8, 4, 2 that fits), and prints samples/s, MFU, peak memory and the r = 0.75 : r = 0
# ratios; then the packing prototype on the same LLM (benchmarks/packing.py).
#
#   bash benchmarks/gpu_check.sh                       # on the GPU machine, from any folder
#   bash benchmarks/gpu_check.sh --device cpu --tiny   # dry run of every step on a CPU, in about a minute
#   bash benchmarks/gpu_check.sh --wheels DIR          # take missing packages from wheel files in DIR (no network)
#
# Needs python3 with torch and transformers (with InternVL; dry runs passed with 5.17 and 5.24). vitp also imports numpy, pillow, tokenizers,
# safetensors, tqdm, scipy, fastcore and pydicom (the embedded data's medical images): whichever of these is missing is installed with pip into a folder of its own
# (not into the environment), from --wheels DIR when given, else from the package index; if pip cannot get them the
# script stops and names them. vitp itself is not installed: it runs from this checkout via PYTHONPATH.
# flash-attn is used when it is installed (attn_implementation=flash_attention_2), else SDPA with its flash backend first.
# Environment: PYTHON (default python3), VITP_SITE (install folder, default /tmp/vitp-gpu-check-site).
set -uo pipefail

DEVICE=cuda; TINY=0; WHEELS=""
while [ $# -gt 0 ]; do
  case "$1" in
    --device) DEVICE="$2"; shift 2 ;;
    --tiny) TINY=1; shift ;;
    --wheels) WHEELS="$2"; shift 2 ;;
    -h|--help) awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"; exit 0 ;;
    *) echo "gpu_check.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
SITE="${VITP_SITE:-/tmp/vitp-gpu-check-site}"
cd "$REPO"
START=$SECONDS

echo "== 1. python, torch, transformers"
if ! "$PY" -c "import torch, transformers" 2>/dev/null; then
  echo "gpu_check: $PY cannot import torch and transformers; this check needs both preinstalled (set PYTHON=...)" >&2; exit 2
fi
"$PY" - "$DEVICE" <<'EOF' || exit 2
import importlib.util, platform, sys, torch, transformers
print(f"python {platform.python_version()}, torch {torch.__version__}, transformers {transformers.__version__}, "
      f"flash-attn {'installed' if importlib.util.find_spec('flash_attn') else 'not installed'}")
try: from transformers import InternVLForConditionalGeneration  # noqa: F401
except ImportError: sys.exit(f"transformers {transformers.__version__} has no InternVL: upgrade it (>= 5.17)")
if sys.argv[1].startswith("cuda"):
    if not torch.cuda.is_available(): sys.exit("--device cuda, but torch sees no CUDA device (pass --device cpu --tiny for a dry run)")
    p = torch.cuda.get_device_properties(0)
    print(f"GPU {p.name}, {p.total_memory / 2**30:.0f} GiB, bf16 {torch.cuda.is_bf16_supported()}")
EOF

echo "== 2. packages vitp imports"
missing() {  # pip names of the modules that do not import (with PYTHONPATH including the install folder)
  PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}" "$PY" - <<'EOF'
import importlib
need = {"numpy": "numpy", "PIL": "pillow", "tokenizers": "tokenizers", "safetensors": "safetensors", "tqdm": "tqdm",
        "scipy": "scipy", "fastcore": "fastcore>=1.8,<2", "pydicom": "pydicom>=3"}
out = []
for module, pip_name in need.items():
    try: importlib.import_module(module)
    except Exception: out.append(pip_name)
print(" ".join(out))
EOF
}
MISSING="$(missing)"
if [ -n "$MISSING" ]; then
  echo "missing: $MISSING; installing into $SITE"
  if [ -n "$WHEELS" ]; then FROM=(--no-index --find-links "$WHEELS"); else FROM=(--timeout 20 --retries 1); fi
  # shellcheck disable=SC2086
  "$PY" -m pip install --quiet --no-deps --target "$SITE" "${FROM[@]}" $MISSING
  STILL="$(missing)"
  if [ -n "$STILL" ]; then
    echo "gpu_check: still missing: $STILL. pip could not install them (no network, or no wheels for them in --wheels DIR)." >&2
    # shellcheck disable=SC2086
    echo "On a machine with network: python3 -m pip download --no-deps --only-binary=:all: -d wheels $(printf "'%s' " $STILL)" >&2
    echo "then copy wheels/ here and run: bash benchmarks/gpu_check.sh --wheels wheels" >&2
    exit 3
  fi
else
  echo "all there"
fi
export PYTHONPATH="$REPO:$SITE${PYTHONPATH:+:$PYTHONPATH}" HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false

if [ "$TINY" = 1 ]; then  # the same steps at tiny sizes; --fake-oom-above 2 walks the batch fallback as an OOM would
  THROUGHPUT=(--preset test --vocab-size 2048 --synthetic --tiles 3 --batch 4,2 --fake-oom-above 2 --warmup 1 --steps 1
              --sdpa-backend flash)
  PACKING=(--tiny)
  LIMITS=(120 120 120)
  COMPILE=()  # compiling on a CPU takes minutes: the dry run walks the step uncompiled
else
  THROUGHPUT=(--preset internvl2_5-1b --vocab-size 151674 --synthetic --tiles 7 --answer-words 60 --batch 8,4,2 --warmup 2 --steps 3
              --sdpa-backend flash)
  PACKING=(--preset internvl2_5-1b --batches 50 --timed 3 --reps 3)
  COMPILE=(--compile)
  LIMITS=(120 120 50)  # with the install, under 5 minutes (not yet timed on a GPU)
fi

echo "== 3. throughput of the pretraining loop, r = 0 and r = 0.75, padded and packed, taking turns"
timeout "${LIMITS[0]}" "$PY" benchmarks/throughput.py --device "$DEVICE" --ratios 0,0.75 --layouts padded,packed "${THROUGHPUT[@]}"
RC_THROUGHPUT=$?
[ $RC_THROUGHPUT = 0 ] || echo "gpu_check: the throughput step failed (exit $RC_THROUGHPUT; 124 = over its ${LIMITS[0]} s)" >&2
echo "== 3b. the same with torch.compile"
timeout "${LIMITS[1]}" "$PY" benchmarks/throughput.py --device "$DEVICE" --ratios 0,0.75 --layouts padded,packed "${COMPILE[@]}" "${THROUGHPUT[@]}"
RC_COMPILE=$?
[ $RC_COMPILE = 0 ] || echo "gpu_check: the compiled throughput step failed (exit $RC_COMPILE; 124 = over its ${LIMITS[1]} s)" >&2

echo "== 4. packing the post-VRL sequences vs padding them (LLM only, embedded recipe)"
timeout "${LIMITS[2]}" "$PY" benchmarks/packing.py --device "$DEVICE" "${PACKING[@]}"
RC_PACKING=$?
[ $RC_PACKING = 0 ] || echo "gpu_check: the packing step failed (exit $RC_PACKING; 124 = over its ${LIMITS[2]} s)" >&2

echo "== done in $((SECONDS - START)) s: throughput exit $RC_THROUGHPUT, compiled $RC_COMPILE, packing exit $RC_PACKING"
[ $RC_THROUGHPUT = 0 ] && [ $RC_COMPILE = 0 ] && [ $RC_PACKING = 0 ]
