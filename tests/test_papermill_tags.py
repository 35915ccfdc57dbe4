"The papermill `parameters` tag must survive `nbdev_clean` (settings.ini: allowed_cell_metadata_keys = tags)."

import subprocess, sys
from pathlib import Path

import nbformat
import papermill

ROOT = Path(__file__).resolve().parent.parent


def _notebook(path):
    params = nbformat.v4.new_code_cell("ratio = 0.75  # VRL drop ratio\nsteps = 10")
    params.metadata["tags"] = ["parameters"]
    params.metadata["scrolled"] = True  # a key nbdev_clean must strip
    body = nbformat.v4.new_code_cell("result = ratio * steps\nprint(result)")
    nb = nbformat.v4.new_notebook(cells=[params, body])
    nb.metadata["kernelspec"] = {"display_name": "python3", "language": "python", "name": "python3"}
    nbformat.write(nb, path)


def test_parameters_tag_survives_nbdev_clean_and_papermill_uses_it(tmp_path):
    nb_path = tmp_path / "ablate.ipynb"
    _notebook(nb_path)
    nbdev_clean = Path(sys.executable).parent / "nbdev_clean"
    subprocess.run([str(nbdev_clean), "--fname", str(nb_path)], cwd=ROOT, check=True)
    cleaned = nbformat.read(nb_path, as_version=4)
    assert cleaned.cells[0].metadata == {"tags": ["parameters"]}  # tag kept, other metadata stripped

    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(str(nb_path), str(out), parameters={"ratio": 0.5, "steps": 4}, kernel_name="python3", progress_bar=False)
    ran = nbformat.read(out, as_version=4)
    assert "injected-parameters" in ran.cells[1].metadata["tags"]
    assert ran.cells[-1].outputs[0]["text"].strip() == "2.0"
