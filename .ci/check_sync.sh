#!/usr/bin/env bash
# Fails when the working tree's package, README or notebooks are not what the notebooks export to — an edit made in
# vitp/*.py or README.md instead of its notebook, or notebooks not exported and cleaned — and names those files.
# nbdev_export, nbdev_clean and make_readme run in a temporary copy of the tree: the working tree is only read.
set -euo pipefail
bin=$(cd "${1:-.venv/bin}" && pwd)
root=$(git rev-parse --show-toplevel)
work=$(mktemp -d "${TMPDIR:-/tmp}/vitp-check-sync.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/tree"
cd "$root"
# the tree as it is now: tracked files (less deleted ones) and the untracked ones git does not ignore
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do [[ -e $f ]] && printf '%s\0' "$f"; done \
  | tar --null -T - -cf - | tar -xf - -C "$work/tree"
if ! (cd "$work/tree" && "$bin/nbdev_export" && "$bin/nbdev_clean" && "$bin/python" .ci/make_readme.py) > "$work/log" 2>&1; then
  cat "$work/log" >&2; echo "check_sync: exporting the notebooks failed (above)" >&2; exit 1
fi
stale=()
while IFS= read -r -d '' f; do
  f=${f#./}
  cmp -s "$work/tree/$f" "$root/$f" || stale+=("$f")
done < <(cd "$work/tree" && find . -type f -not -path '*/__pycache__/*' -print0 | sort -z)
if (( ${#stale[@]} )); then
  echo "out of sync: what the notebooks export (nbdev_export, nbdev_clean, make readme) differs from these files of the working tree:" >&2
  printf '  %s\n' "${stale[@]}" >&2
  echo "(edit the notebook, not the generated file; then run nbdev_export, nbdev_clean and make readme, and commit what they write)" >&2
  exit 1
fi
echo "notebooks, package and README are in sync"
