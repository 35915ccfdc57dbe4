"`nbs/ablate_drop.ipynb` end to end through papermill in smoke mode: runs recorded, summary, plot and side-by-side written."
import csv, json, os, subprocess, sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_ablate_drop_smoke(tmp_path):
    out_nb = tmp_path / "out.ipynb"
    papermill = Path(sys.executable).parent / "papermill"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_WAIT_POLICY": "PASSIVE"}
    subprocess.run([str(papermill), "nbs/ablate_drop.ipynb", str(out_nb), "-p", "smoke", "True", "-p", "out_dir", str(tmp_path),
                    "-k", "python3", "--no-progress-bar"], cwd=ROOT, env=env, check=True, timeout=300)

    runs = [json.loads(l) for l in (tmp_path / "runs.jsonl").read_text().splitlines()]
    assert sorted((r["params"]["drop_ratio"], r["seed"]) for r in runs) == [(0.0, 0), (0.75, 0)]  # smoke: 2 ratios × 1 seed
    for r in runs:
        assert r["params"]["preset"] == "test" and r["commit"] and r["seconds"] > 0
        assert r["metrics"]["mAP50_voc07"] is None or 0 <= r["metrics"]["mAP50_voc07"] <= 1
    summary = list(csv.DictReader((tmp_path / "summary.csv").open()))
    assert [(row["drop_ratio"], row["n"]) for row in summary] == [("0.0", "1"), ("0.75", "1")]
    side = (tmp_path / "side_by_side.md").read_text()
    assert "| 0.75 | 54.6 |" in side and "undecided (n < 2)" in side  # one seed: the claim is not judged
    assert (tmp_path / "ablate_drop.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "work").is_dir() and (tmp_path / "data" / "tree.json").exists()  # data and checkpoints under out_dir

    ran = nbformat.read(out_nb, as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in ran.cells)
    printed = "".join(o.get("text", "") for c in ran.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert f"results → {tmp_path}" in printed and "**Claim**" in printed  # the conclusion is filled in by the code
