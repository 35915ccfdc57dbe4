"""The reproduction notebooks end to end through papermill in smoke mode: `nbs/ablate_drop.ipynb` (runs recorded, summary,
plot, side-by-side) and `nbs/attention_maps.ipynb` (figures, per-image and summary tables, verdicts)."""
import csv, json, os, subprocess, sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent


def _papermill_smoke(notebook: str, out_dir: Path) -> Path:
    "Run `notebook` with smoke=True and out_dir=`out_dir`; the executed notebook."
    out_nb = out_dir / "out.ipynb"
    papermill = Path(sys.executable).parent / "papermill"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_WAIT_POLICY": "PASSIVE"}
    subprocess.run([str(papermill), notebook, str(out_nb), "-p", "smoke", "True", "-p", "out_dir", str(out_dir),
                    "-k", "python3", "--no-progress-bar"], cwd=ROOT, env=env, check=True, timeout=300)
    return out_nb


@pytest.mark.slow
def test_ablate_drop_smoke(tmp_path):
    out_nb = _papermill_smoke("nbs/ablate_drop.ipynb", tmp_path)

    runs = [json.loads(l) for l in (tmp_path / "runs.jsonl").read_text().splitlines()]
    assert sorted((r["params"]["drop_ratio"], r["seed"]) for r in runs) == [(0.0, 0), (0.75, 0)]  # smoke: 2 ratios × 1 seed
    for r in runs:
        assert r["params"]["preset"] == "test" and r["commit"] and r["seconds"] > 0
        assert r["params"]["task"] == "loveda" and 0 <= r["metrics"]["mIoU"] <= 1
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


@pytest.mark.slow
def test_attention_maps_smoke(tmp_path):
    out_nb = _papermill_smoke("nbs/attention_maps.ipynb", tmp_path)

    summary = list(csv.DictReader((tmp_path / "summary.csv").open()))
    assert {(r["model"], r["task"]) for r in summary} == {(m, t) for m in ("ViTP", "general", "random")
                                                         for t in ("optical_det", "sar_det", "loveda", "medical")}
    for r in summary:
        assert int(r["n"]) >= 1 and 0 <= float(r["entropy"]) <= 1 + 1e-6 and 0 < float(r["chance"]) <= 1 and float(r["lift"]) > 0
    per_image = list(csv.DictReader((tmp_path / "images.csv").open()))
    assert len(per_image) == sum(int(r["n"]) for r in summary)
    layers = list(csv.DictReader((tmp_path / "layers.csv").open()))
    assert sorted((r["model"], r["layer"]) for r in layers) == sorted((m, l) for m in ("ViTP", "general", "random") for l in "01")  # test preset: 2 layers
    for png in ("attention_maps.png", "attention_stats.png"): assert (tmp_path / png).read_bytes()[:4] == b"\x89PNG"
    side = (tmp_path / "side_by_side.md").read_text()
    assert "| medical (control) | general |" in side and "**Claim**" in side and "Smoke settings" in side
    assert (tmp_path / "work" / "vit_vitp" / "config.json").exists() and (tmp_path / "data" / "tree.json").exists()

    ran = nbformat.read(out_nb, as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in ran.cells)
    printed = "".join(o.get("text", "") for c in ran.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert f"results → {tmp_path}" in printed and "all done" in printed
