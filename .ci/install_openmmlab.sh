#!/usr/bin/env bash
# The optional OpenMMLab extra: the OneDL fork family (same import names mmengine / mmcv / mmdet / mmrotate / mmseg)
# installed into an existing vitp venv, with mmcv's compiled ops built from source.
#   usage: .ci/install_openmmlab.sh [VENV]      (default .venv; `make openmmlab` calls it)
# Why a source build: PyPI's onedl-mmcv is an sdist; built in pip's isolated env it cannot see torch and silently
# installs an mmcv without ops (`import mmcv._ext` fails). Its setup.py also hard-codes -std=c++17, which torch
# 2.14's headers reject. The build is ~45 CPU-minutes (measured: 96 min wall on 2 cores shared with other jobs, at
# nice 19); the wheel is kept in $VENV/openmmlab/wheels, so a reinstall takes a minute.
set -euo pipefail

VENV=${1:-.venv}
PY=$VENV/bin/python
WORK=$VENV/openmmlab
MMCV_VERSION=2.3.6
PACKAGES=(onedl-mmengine==0.10.12 onedl-mmdetection==3.5.1 onedl-mmrotate==1.2.1 onedl-mmsegmentation==1.4.2)
CHECK="import mmcv._ext, mmdet, mmrotate, mmseg"

[[ -x $PY ]] || { echo "openmmlab: no venv at $VENV (run \`make install\` first)" >&2; exit 1; }
if "$PY" -c "$CHECK" 2>/dev/null; then
  echo "openmmlab: already installed in $VENV (mmcv._ext imports)"; exit 0
fi

build_mmcv_wheel() {
  local src=$WORK/src/onedl_mmcv-$MMCV_VERSION
  rm -rf "$WORK/src" "$WORK/tools"
  # setuptools<81 only for this build (a --target overlay on PYTHONPATH): the venv keeps its own setuptools
  "$PY" -m pip install --quiet --target "$WORK/tools" "setuptools>=80,<81" wheel
  "$PY" -m pip download --quiet --no-deps --no-binary :all: "onedl-mmcv==$MMCV_VERSION" -d "$WORK/src"
  tar -xzf "$src.tar.gz" -C "$WORK/src"
  # gcc takes the last -std; setup.py's flag comes after CXXFLAGS, so the flag itself has to change
  grep -q -- '-std=c++17' "$src/setup.py" || { echo "openmmlab: -std=c++17 not found in mmcv's setup.py" >&2; exit 1; }
  sed -i 's/-std=c++17/-std=c++20/g' "$src/setup.py"
  PYTHONPATH="$WORK/tools" MAX_JOBS=${MAX_JOBS:-2} nice -n 19 \
    "$PY" -m pip wheel --no-build-isolation --no-deps --wheel-dir "$WORK/wheels" "$src"
}

shopt -s nullglob
wheels=("$WORK"/wheels/onedl_mmcv-"$MMCV_VERSION"-*.whl)
if (( ${#wheels[@]} == 0 )); then
  echo "openmmlab: building onedl-mmcv $MMCV_VERSION with its ops (MAX_JOBS=${MAX_JOBS:-2}); this takes a while"
  start=$SECONDS
  build_mmcv_wheel
  echo "openmmlab: mmcv wheel built in $(( (SECONDS - start) / 60 )) min"
  rm -rf "$WORK/src" "$WORK/tools"  # the build tree (~350 MB); the wheel is kept
  wheels=("$WORK"/wheels/onedl_mmcv-"$MMCV_VERSION"-*.whl)
fi

# One resolve for all five (separate steps let pip pick a clashing opencv); nothing already installed may change.
constraints=$WORK/constraints.txt
"$PY" -m pip freeze --exclude-editable | grep -v ' @ ' > "$constraints"  # pip takes no links as constraints
"$PY" -m pip install --constraint "$constraints" "${wheels[0]}" "${PACKAGES[@]}"
# an ops-less mmcv of the same version installed earlier (plain `pip install onedl-mmcv`) is kept by pip: replace it
"$PY" -c "import mmcv._ext" 2>/dev/null || "$PY" -m pip install --no-deps --force-reinstall "${wheels[0]}"

if ! "$PY" -c "$CHECK"; then
  echo "openmmlab: FAILED: '$CHECK' does not run in $VENV (mmcv without compiled ops?)" >&2; exit 1
fi
echo "openmmlab: ok ($("$PY" -c 'import mmcv, mmdet, mmrotate, mmseg; print("mmcv", mmcv.__version__, "mmdet", mmdet.__version__, "mmrotate", mmrotate.__version__, "mmseg", mmseg.__version__)'))"
