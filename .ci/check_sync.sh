#!/usr/bin/env bash
# Fails when exporting, cleaning or regenerating README would change the working tree: the package,
# the README and the notebooks must already be what the notebooks say.
set -euo pipefail
bin=${1:-.venv/bin}
state() { { git status --porcelain --untracked-files=all; git diff; } | md5sum; }
before=$(state)
"$bin/nbdev_export"
"$bin/nbdev_clean"
"$bin/python" .ci/make_readme.py
after=$(state)
if [[ "$before" != "$after" ]]; then
  echo "out of sync: nbdev_export / nbdev_clean / make readme changed these files:" >&2
  git status --short >&2
  echo "(commit the regenerated files: they are what the notebooks say)" >&2
  exit 1
fi
echo "notebooks, package and README are in sync"
