"""Run notebooks and keep their outputs: `python .ci/execute_nbs.py nbs/05_vrl.ipynb [...]` (`make outputs`).

The lesson notebooks are committed with their outputs, so that they read without being run. Each notebook runs as
`nbdev_test --flags slow` runs it — in its own process, in-process with execnb, from the notebook's folder, cells
flagged `cuda` or `openmmlab` skipped — and is then cleaned by `nbdev_clean` (execution counts
and metadata go; settings.ini's clear_all = False keeps the outputs). So that a rerun gives the same outputs, progress
bars are off, torch uses one thread, DeepSpeed (which transformers imports) is told it runs on the CPU where there is
no GPU instead of logging so with a timestamp, and figures are plain PNG. An output that names this machine's paths (the
repository, the home folder, the temporary folder) or holds a progress bar's rate is refused, naming the notebook and cell."""

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

SKIPPED_FLAGS = {"cuda", "openmmlab"}
_RATE = re.compile(r"\d(it/s|s/it)\b")


def _quiet_environment() -> None:
    os.environ["OMP_NUM_THREADS"] = "1"  # sums not split by the machine's core count
    import torch
    from tqdm import std

    if not torch.cuda.is_available():
        os.environ.setdefault("DS_ACCELERATOR", "cpu")
    init = std.tqdm.__init__

    def no_bar(self, *args, **kwargs):
        init(self, *args, **{**kwargs, "disable": True})  # also where a caller passes disable=

    std.tqdm.__init__ = no_bar


def _skip(cell) -> bool:
    "Whether execnb leaves `cell` out, as nbdev_test --flags slow does (markdown, flagged cells)."
    from nbdev.process import extract_directives

    return cell.cell_type != "code" or bool(SKIPPED_FLAGS & extract_directives(cell, remove=False).keys())


def _machine_paths(root: Path) -> list[str]:
    found = {root, Path.home(), Path(tempfile.gettempdir()).resolve(), Path(tempfile.gettempdir())}
    return sorted(str(p) for p in found if p != Path(p.anchor))  # a home of / would match every path


def _check_outputs(nb, path: Path, root: Path) -> None:
    for i, cell in enumerate(nb.cells):
        text = json.dumps(cell.get("outputs", []), ensure_ascii=False)
        found = [p for p in _machine_paths(root) if p in text]
        if found:
            raise SystemExit(f"{path}: cell {i} has an output naming this machine's path {found[0]!r}: {text[:300]}")
        if _RATE.search(text):
            raise SystemExit(f"{path}: cell {i} has an output with a progress bar's rate: {text[:300]}")


def execute(path: Path, root: Path) -> None:
    "Run `path` and write it back with its outputs, cleaned."
    from execnb.nbio import read_nb, write_nb
    from execnb.shell import CaptureShell

    _quiet_environment()
    nb = read_nb(path)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []  # execnb leaves a cell's old outputs where it prints nothing
    shell = CaptureShell(path, mpl_format="png")
    cwd = Path.cwd()
    os.chdir(path.parent)
    try:
        shell.run_all(nb, exc_stop=True, preproc=_skip)
    except Exception:
        sys.stderr.write(shell.prettytb(fname=path) + "\n")
        raise SystemExit(f"{path}: a cell failed (above); the notebook was not written") from None
    finally:
        os.chdir(cwd)
    _check_outputs(nb, path, root)
    write_nb(nb, path)
    subprocess.run([str(Path(sys.executable).parent / "nbdev_clean"), "--fname", str(path)], check=True, cwd=root)


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))  # this checkout's vitp, whichever one the environment installed
    paths = [Path(p).resolve() for p in sys.argv[1:]]
    if not paths:
        raise SystemExit(__doc__)
    if len(paths) == 1:
        execute(paths[0], root)
    else:  # a fresh process each: nothing a notebook imports, seeds or patches leaks into the next
        for p in paths:
            subprocess.run([sys.executable, __file__, str(p)], check=True)
    print(f"executed with outputs: {', '.join(p.name for p in paths)}")
