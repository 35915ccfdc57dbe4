"""The lesson notebooks are committed with their outputs (`make outputs`, .ci/execute_nbs.py), and `nbdev_clean` keeps them
(settings.ini: clear_all = False) while it strips execution counts and metadata."""

import base64, json, re, subprocess, sys, tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
LESSONS = {"05_vrl": 1, "06_vlm": 1, "07_learner": 1, "08_pretrain": 0}  # notebook → figures it shows


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def test_lessons_are_committed_with_small_figures_and_no_machine_text():
    for name, figures in LESSONS.items():
        nb = nbformat.read(ROOT / "nbs" / f"{name}.ipynb", as_version=4)
        outputs = [o for c in _code_cells(nb) for o in c.outputs]
        assert outputs, f"{name} has no outputs: run make outputs"
        pngs = [base64.b64decode(o.data["image/png"]) for o in outputs if "image/png" in o.get("data", {})]
        assert len(pngs) == figures, f"{name}: {len(pngs)} figures, expected {figures}"
        assert all(len(png) < 30_000 for png in pngs), f"{name}: figures of {[len(p) for p in pngs]} bytes"
        text = json.dumps(outputs)
        for path in (str(ROOT), tempfile.gettempdir()):
            assert path not in text, f"{name}: an output names {path}"
        assert not re.search(r"\d(it/s|s/it)\b", text), f"{name}: an output holds a progress bar"


def test_nbdev_clean_keeps_outputs_and_strips_counts_and_metadata(tmp_path):
    committed = nbformat.read(ROOT / "nbs" / "05_vrl.ipynb", as_version=4)
    ran = nbformat.from_dict(json.loads(json.dumps(committed)))  # as Jupyter saves it after a run
    for n, cell in enumerate(_code_cells(ran), 1):
        cell.execution_count, cell.metadata["scrolled"] = n, True
        for o in cell.outputs:
            if o.output_type == "execute_result":
                o.execution_count = n
    ran.metadata["language_info"] = {"name": "python", "version": "3.11.0"}
    path = tmp_path / "05_vrl.ipynb"
    nbformat.write(ran, path)
    subprocess.run([str(Path(sys.executable).parent / "nbdev_clean"), "--fname", str(path)], cwd=ROOT, check=True)
    cleaned = nbformat.read(path, as_version=4)
    assert [c.outputs for c in _code_cells(cleaned)] == [c.outputs for c in _code_cells(committed)]
    assert any(c.outputs for c in _code_cells(cleaned))
    assert {c.execution_count for c in _code_cells(cleaned)} == {None}
    assert {o.get("execution_count") for c in _code_cells(cleaned) for o in c.outputs} <= {None}
    assert all(c.metadata == {} for c in _code_cells(cleaned)) and set(cleaned.metadata) == {"kernelspec"}
