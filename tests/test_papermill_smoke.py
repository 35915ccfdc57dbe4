"""The reproduction notebooks end to end through papermill: each in smoke mode (runs recorded, summary, plot,
side-by-side, the printed conclusion), and ablate_drop with the parameters a paper-scale run changes."""

import csv, json, os, subprocess, sys
from pathlib import Path

import nbformat
import pytest

from vitp.learner import read_metrics

ROOT = Path(__file__).resolve().parent.parent


def _papermill(notebook: str, out_dir: Path, **params) -> str:
    """Run `notebook` with `params` and out_dir=`out_dir`; what its code cells printed, after checking that papermill
    injected the parameters and that the notebook wrote its results into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    out_nb = out_dir / "out.ipynb"
    papermill = Path(sys.executable).parent / "papermill"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_WAIT_POLICY": "PASSIVE"}
    subprocess.run(
        [
            str(papermill),
            notebook,
            str(out_nb),
            "-y",
            json.dumps({**params, "out_dir": str(out_dir)}),
            "-k",
            "python3",
            "--no-progress-bar",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    ran = nbformat.read(out_nb, as_version=4)
    assert any("injected-parameters" in c.metadata.get("tags", []) for c in ran.cells)
    printed = "".join(o.get("text", "") for c in ran.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert f"results → {out_dir}" in printed
    return printed


def _runs(out_dir: Path) -> list[dict]:
    return [json.loads(l) for l in (out_dir / "runs.jsonl").read_text().splitlines()]


def _rows(path: Path) -> list[dict]:
    return list(csv.DictReader(path.open()))


def _is_png(path: Path) -> bool:
    return path.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.slow
def test_ablate_drop_smoke(tmp_path):
    printed = _papermill("nbs/ablate_drop.ipynb", tmp_path, smoke=True, ratios=[0.0, 0.75])

    runs = _runs(tmp_path)
    assert sorted((r["params"]["drop_ratio"], r["seed"]) for r in runs) == [(0.0, 0), (0.75, 0)]  # 2 ratios × the smoke seed
    for r in runs:
        assert r["params"]["preset"] == "test" and r["params"]["pretrain_steps"] == 4 and r["commit"] and r["seconds"] > 0  # smoke settings
        assert r["params"]["task"] == "loveda" and 0 <= r["metrics"]["mIoU"] <= 1 and 0 <= r["metrics"]["probe_mIoU"] <= 1
    summary = _rows(tmp_path / "summary.csv")
    assert [(row["arm"], row["paper"], row["mIoU_n"], row["probe_mIoU_n"]) for row in summary] == [
        ("r = 0.0", "52.8", "1", "1"),
        ("r = 0.75", "54.6", "1", "1"),
    ]
    assert float(summary[1]["mIoU"]) == pytest.approx(100 * next(r for r in runs if r["params"]["drop_ratio"] == 0.75)["metrics"]["mIoU"])
    side = (tmp_path / "side_by_side.md").read_text()
    assert "| r = 0.75 | 54.6 |" in side and "| r = 0.75 > r = 0.0 | undecided (n = 1 < 2)" in side  # one seed: no paired test
    assert _is_png(tmp_path / "ablate_drop.png")
    assert (tmp_path / "work" / "stages").is_dir() and (tmp_path / "data" / "tree.json").exists()  # data and stages under out_dir
    assert "ablate_drop: 2 of 2 runs to do" in printed and "not judged (an arm is not among this run's): r = 0.9 > r = 0.0" in printed
    assert "**Claims on mIoU:** 0 held, 0 did not hold, 1 undecided of 1." in printed  # the conclusion, printed


@pytest.mark.slow
def test_attention_maps_smoke(tmp_path):
    # the test ViT has 2 layers, and single objects at 128 px hold a query only with radius 0
    printed = _papermill("nbs/attention_maps.ipynb", tmp_path, smoke=True, layer=1, radius=0, max_images=4, batch_size=2)

    tasks, models = ("optical_det", "sar_det", "loveda", "medical"), ("ViTP", "general", "random")
    (run,) = _runs(tmp_path)  # smoke: one seed, one run holding every ViT
    assert run["seed"] == 0 and run["params"]["layer"] == 1 and run["params"]["tasks"] == list(tasks) and "task" not in run["params"]
    m = run["metrics"]
    assert sorted(m) == sorted(
        [f"lift/{v}/{t}" for v in models for t in tasks]
        + [f"share_diff/{v}/{t}" for v in models[1:] for t in tasks]
        + [f"layer_lift/{v}/{l}" for v in models for l in (0, 1)]  # test preset: 2 layers
    )
    assert all(m[k] > 0 for k in m if k.startswith(("lift", "layer_lift"))) and all(
        -1 <= m[k] <= 1 for k in m if k.startswith("share_diff")
    )
    (row,) = _rows(tmp_path / "summary.csv")
    assert row["arm"] == "ViTP" and float(row["share_diff/random/loveda"]) == pytest.approx(100 * m["share_diff/random/loveda"])
    assert row["share_diff/general/optical_det_n"] == "1" and "share_diff/general/medical" not in row  # the control is not judged
    for png in ("maps.png", "attention_maps.png"):  # the maps of the first seed; the sweep's plot
        assert _is_png(tmp_path / png)
    side = (tmp_path / "side_by_side.md").read_text()
    assert "ViTP: share_diff/general/loveda > 0" in side and "undecided (n = 1 < 2)" in side and "smoke settings" in side
    assert (tmp_path / "work" / "vit_vitp_seed0" / "config.json").exists() and (tmp_path / "data" / "tree.json").exists()
    assert (
        "attention_maps: 1 of 1 runs to do" in printed
        and "**Claims on share_diff/random/loveda:** 0 held, 0 did not hold, 1 undecided of 1." in printed
    )


@pytest.mark.slow
def test_table_robustness_smoke(tmp_path):
    printed = _papermill("nbs/table_robustness.ipynb", tmp_path, smoke=True)

    corruptions = [
        "brightness_contrast",
        "cloud",
        "compression_artifacts",
        "data_gaps",
        "gaussian_blur",
        "gaussian_noise",
        "haze",
        "motion_blur",
        "rotate",
        "salt_pepper",
        "scale",
        "translate",
    ]
    runs = _runs(tmp_path)
    assert sorted((r["params"]["drop_ratio"], r["seed"]) for r in runs) == [(0.0, 0), (0.75, 0)]  # smoke: both arms × 1 seed
    for r in runs:
        m = r["metrics"]
        assert r["params"]["preset"] == "test" and r["params"]["severities"] == [3] and r["params"]["metric"] == "mIoU"
        assert r["commit"] and r["seconds"] > 0
        assert sorted(m) == sorted(["clean", *corruptions, "avg", "delta", "pretrain_loss", "pretrain_flops", "probe_acc", "probe_mIoU"])
        assert all(0 <= m[k] <= 1 for k in ["clean", *corruptions]) and m["pretrain_flops"] > 0
        assert m["avg"] == pytest.approx(sum(m[c] for c in corruptions) / 12) and m["delta"] == pytest.approx(m["clean"] - m["avg"])
    summary = _rows(tmp_path / "summary.csv")
    assert [(row["arm"], row["paper"], row["clean_n"], row["avg_n"], row["delta_n"]) for row in summary] == [
        ("ViTP w/o VRL", "67.13", "1", "1", "1"),
        ("ViTP", "69.0", "1", "1", "1"),
    ]  # Table 16's Avg beside each arm
    side = (tmp_path / "side_by_side.md").read_text()
    assert "ViTP < ViTP w/o VRL on delta" in side and "ViTP > ViTP w/o VRL on avg" in side
    assert side.count("undecided (n = 1 < 2)") == 2 * 3 + 12  # one seed: nothing judged (the three claims: table and text; each corruption)
    assert "| haze | 67.12 | 70.85 |" in side and "held under 0 of 12" in side  # the per-corruption table
    assert _is_png(tmp_path / "table_robustness.png")
    assert len(list((tmp_path / "work" / "stages").glob("*/vit/config.json"))) == 3 and (tmp_path / "data" / "tree.json").exists()
    assert "table_robustness: 2 of 2 runs to do" in printed and "**Claims on avg:** 0 held, 0 did not hold, 1 undecided of 1." in printed


@pytest.mark.slow
def test_table_paradigms_smoke(tmp_path):
    # the baselines' batch is the notebook's own parameter (smoke leaves it): 2, so the smoke budget buys whole steps; on the first
    # world, where the records are longer: the texture world's smoke budget (3e8 FLOPs) is less than one contrastive step of 2
    printed = _papermill("nbs/table_paradigms.ipynb", tmp_path, smoke=True, baseline_batch=2, probe=True, world="default")

    runs = {r["params"]["paradigm"]: r for r in _runs(tmp_path)}
    assert sorted(runs) == ["clip", "mae", "random", "vitp"] and {r["seed"] for r in runs.values()} == {0}  # smoke: 1 seed
    for r in runs.values():
        assert r["params"]["preset"] == "test" and r["params"]["count_general"] is True and r["params"]["baseline_batch"] == 2
        assert r["params"]["task"] == "loveda" and 0 <= r["metrics"]["mIoU"] <= 1 and 0 <= r["metrics"]["probe_mIoU"] <= 1
        assert r["commit"] and r["seconds"] > 0
    vitp = runs["vitp"]["metrics"]
    assert vitp["general_flops"] > 0 and vitp["pretrain_flops"] > 0 and vitp["records_seen"] == 4 * 2  # smoke: 4 steps of 2
    for kind in ("mae", "clip"):  # the baselines got ViTP's FLOPs, general stage included, as steps of their batch (2)
        m = runs[kind]["metrics"]
        assert m["pretrain_flops"] == pytest.approx(vitp["pretrain_flops"] + vitp["general_flops"])
        assert m["pretrain_steps"] >= 1 and m["records_seen"] == 2 * m["pretrain_steps"] and m["general_flops"] == 0
    assert runs["random"]["metrics"]["pretrain_flops"] == 0 and runs["random"]["metrics"]["records_seen"] == 0
    summary = _rows(tmp_path / "summary.csv")
    assert [(row["arm"], row["paper"], row["mIoU_n"]) for row in summary] == [
        ("vitp", "55.8", "1"),
        ("mae", "53.6", "1"),
        ("clip", "52.2", "1"),
        ("random", "", "1"),
    ]  # Table 13's ADE20K column
    side = (tmp_path / "side_by_side.md").read_text()
    assert "| mae | 53.6 |" in side and "mae < vitp" in side and "undecided (n = 1 < 2)" in side  # one seed: not decided
    assert "| random | 0 | 0 | 0 | 0 % |" in side  # the compute table
    assert _is_png(tmp_path / "table_paradigms.png")
    assert len(list((tmp_path / "work" / "stages").glob("mae_*/vit/config.json"))) == 1 and (tmp_path / "data" / "tree.json").exists()
    assert "table_paradigms: 4 of 4 runs to do" in printed and "**Claims on mIoU:** 0 held, 0 did not hold, 3 undecided of 3." in printed


@pytest.mark.slow
def test_ablate_recipe_smoke(tmp_path):
    from vitp.recipe import Recipe

    printed = _papermill("nbs/ablate_recipe.ipynb", tmp_path, smoke=True, variants=["full data", "w/o General data"])

    runs = _runs(tmp_path)
    assert sorted((r["params"]["recipe"], r["seed"]) for r in runs) == [
        ("full data", 0),
        ("w/o General data", 0),
    ]  # 2 variants × the smoke seed
    for r in runs:
        assert r["params"]["preset"] == "test" and r["params"]["full_recipe"] == "vitp" and r["params"]["drop_ratio"] == 0.75
        assert r["params"]["task"] == "loveda" and 0 <= r["metrics"]["mIoU"] <= 1 and 0 <= r["metrics"]["probe_mIoU"] <= 1
        assert r["metrics"]["pretrain_flops"] > 0 and r["commit"] and r["seconds"] > 0
    full, cut = (Recipe.load(tmp_path / "work" / "recipes" / f"{n}.json") for n in ("full_data", "without_general_data"))
    assert "general" in {e.domain for e in full} and "general" not in {e.domain for e in cut}
    assert set(full.names) - set(cut.names) == {"general_cls", "general_caption"}
    stages = [json.loads(p.read_text()) for p in (tmp_path / "work" / "stages").glob("*/config.json")]
    assert sorted(Path(s["recipe"]).name for s in stages if s["drop_ratio"] == 0.75) == ["full_data.json", "without_general_data.json"]
    summary = _rows(tmp_path / "summary.csv")
    assert [(row["arm"], row["paper"], row["mIoU_n"], row["probe_mIoU_n"]) for row in summary] == [
        ("full data", "54.6", "1", "1"),
        ("w/o General data", "52.3", "1", "1"),
    ]  # Table 7's values
    side = (tmp_path / "side_by_side.md").read_text()
    assert "| w/o General data | 52.3 |" in side and "| w/o General data < full data | undecided (n = 1 < 2)" in side
    assert "judged on an optical task (`loveda`)" not in side  # no w/o SAR arm: no note on it
    assert _is_png(tmp_path / "ablate_recipe.png")
    assert (tmp_path / "data" / "tree.json").exists() and "ablate_recipe: 2 of 2 runs to do" in printed
    assert "**Claims on mIoU:** 0 held, 0 did not hold, 1 undecided of 1." in printed  # the conclusion, printed


@pytest.mark.slow
def test_ablate_steps_smoke(tmp_path):
    import torch
    from safetensors.torch import load_file

    printed = _papermill("nbs/ablate_steps.ipynb", tmp_path, smoke=True, steps=[0, 2, 4])

    runs = {r["params"]["vitp_steps"]: r for r in _runs(tmp_path)}
    assert sorted(runs) == [0, 2, 4] and {r["seed"] for r in runs.values()} == {0}  # steps [0, 2, 4] × the smoke seed
    for r in runs.values():
        assert r["params"]["preset"] == "test" and r["params"]["schedule_steps"] == 4 and "pretrain_steps" not in r["params"]
        assert r["params"]["task"] == "loveda" and 0 <= r["metrics"]["mIoU"] <= 1 and 0 <= r["metrics"]["probe_mIoU"] <= 1
    m0, m2, m4 = (runs[s]["metrics"] for s in (0, 2, 4))
    assert m0["pretrain_loss"] is None and m0["pretrain_flops"] == 0 and m0["pretrain_seconds"] == 0  # step 0: no ViTP yet
    assert 0 < m2["pretrain_flops"] < m4["pretrain_flops"] and 0 < m2["pretrain_seconds"] < m4["pretrain_seconds"]
    (stage,) = [p.parent for p in (tmp_path / "work" / "stages").glob("*/config.json") if json.loads(p.read_text())["recipe"] != "general"]
    logged = read_metrics(stage)
    assert len(logged) == 4 and m4["pretrain_loss"] == logged[3]["loss"]
    assert m4["pretrain_loss_recent"] == pytest.approx((logged[2]["loss"] + logged[3]["loss"]) / 2)
    # the last checkpoint, through save_vlm and export_vit, is the ViT of the stage's own final model
    final, via_checkpoint = (load_file(stage / name / "model.safetensors") for name in ("vit", "vit_step4"))
    assert final.keys() == via_checkpoint.keys() and all(torch.equal(final[k], via_checkpoint[k]) for k in final)
    step0 = load_file(stage / "vit_step0" / "model.safetensors")  # the general stage's ViT, which ViTP then moved
    assert any(not torch.equal(step0[k], via_checkpoint[k]) for k in step0)
    assert not (stage / "checkpoints").exists() and not list(stage.glob("vlm_step*"))  # cleaned up
    summary = _rows(tmp_path / "summary.csv")
    assert [(row["arm"], row["mIoU_n"], row["probe_mIoU_n"]) for row in summary] == [(f"{s} steps", "1", "1") for s in (0, 2, 4)]
    side = (tmp_path / "side_by_side.md").read_text()
    assert "| 4 steps > 0 steps | undecided (n = 1 < 2)" in side and "8,000 steps" in side and "ViTP stages of 4 steps" in side
    assert _is_png(tmp_path / "ablate_steps.png")
    assert "ablate_steps: 3 of 3 runs to do" in printed and "4 steps: " in printed  # the loss per step count
    assert "**Claims on mIoU:** 0 held, 0 did not hold, 2 undecided of 2." in printed  # the conclusion, printed


@pytest.mark.slow
def test_ablate_llm_size_smoke(tmp_path):
    printed = _papermill("nbs/ablate_llm_size.ipynb", tmp_path, smoke=True, llms=["embedded-llm-s", "embedded"])

    runs = {r["params"]["llm"]: r for r in _runs(tmp_path)}
    assert sorted(runs) == ["embedded", "embedded-llm-s"] and {r["seed"] for r in runs.values()} == {0}  # 2 LLMs × the smoke seed
    assert runs["embedded-llm-s"]["params"]["llm_params_m"] < runs["embedded"]["params"]["llm_params_m"]
    for r in runs.values():
        assert "preset" not in r["params"] and r["params"]["pretrain_steps"] == 4 and r["seconds"] > 0  # smoke settings
        assert r["params"]["task"] == "loveda" and 0 <= r["metrics"]["mIoU"] <= 1 and 0 <= r["metrics"]["probe_mIoU"] <= 1
    stages = {p.parent: json.loads(p.read_text()) for p in (tmp_path / "work" / "stages").glob("*/config.json")}
    assert sorted(c["model"] for c in stages.values() if c["recipe"] == "general") == ["embedded", "embedded-llm-s"]  # a general stage each
    vits = [json.loads((d / "vit" / "config.json").read_text()) for d, c in stages.items() if c["recipe"] != "general"]
    assert len(vits) == 2 and vits[0]["vit_kwargs"] == vits[1]["vit_kwargs"]  # the same ViT behind both LLMs
    summary = _rows(tmp_path / "summary.csv")
    assert [(row["arm"], row["mIoU_n"], row["probe_mIoU_n"]) for row in summary] == [("embedded-llm-s", "1", "1"), ("embedded", "1", "1")]
    side = (tmp_path / "side_by_side.md").read_text()
    assert "| embedded < embedded-llm-s | undecided (n = 1 < 2)" in side and "The paper gives no sizes and no values" in side
    assert _is_png(tmp_path / "ablate_llm_size.png")
    assert "ablate_llm_size: 2 of 2 runs to do" in printed
    assert "**Claims on mIoU:** 0 held, 0 did not hold, 1 undecided of 1." in printed  # the conclusion, printed


@pytest.mark.slow
def test_table_efficiency_smoke(tmp_path):
    # a smoke stage has 4 steps: the notebook's own warm-up and benchmark steps come down with it
    printed = _papermill("nbs/table_efficiency.ipynb", tmp_path, smoke=True, warmup_steps=1, bench_steps=1, bench_warmup=1)

    runs = _runs(tmp_path)
    stages = {(r["params"]["group_by_length"], r["params"]["drop_ratio"]): r for r in runs if "bench" not in r["params"]}
    assert sorted(stages) == [(0, 0.0), (0, 0.75), (16, 0.0), (16, 0.75)] and all(r["seed"] == 0 for r in stages.values())
    for r in stages.values():
        m = r["metrics"]
        assert r["params"]["preset"] == "test" and r["seconds"] > 0 and m["s_per_step"] > 0 and m["samples"] == 4 * 2  # 4 steps × 2
        assert r["params"]["machine"] and r["params"]["max_tiles"] == 1 and "task" not in r["params"]  # a stage alone: no task
        assert m["tokens_computed_per_step"] >= m["tokens_seen_per_step"] > 0 and m["padding_ratio"] >= 1
        assert m["peak_gib"] is None or m["peak_gib"] > 0  # measured on a GPU only
    for g in (0, 16):  # same seed, same batches: VRL at 0.75 leaves the LLM fewer tokens and the FLOP model fewer FLOPs
        assert stages[g, 0.75]["metrics"]["tokens_seen"] < stages[g, 0.0]["metrics"]["tokens_seen"]
        assert stages[g, 0.75]["metrics"]["train_flops"] < stages[g, 0.0]["metrics"]["train_flops"]
    bench = sorted(r["params"]["group_by_length"] for r in runs if r["params"].get("bench") == "benchmarks/throughput.py")
    assert bench == [0, 16]
    summary = {row["arm"]: row for row in _rows(tmp_path / "summary.csv")}
    assert [(arm, row["s_per_step_n"]) for arm, row in summary.items()] == [
        ("r = 0.0, g = 0", "1"),
        ("r = 0.75, g = 0", "1"),
        ("r = 0.0, g = 16", "1"),
        ("r = 0.75, g = 16", "1"),
    ]
    for g in (0, 16):  # GFLOPs per step: fewer with VRL
        assert 0 < float(summary[f"r = 0.75, g = {g}"]["flops_per_step"]) < float(summary[f"r = 0.0, g = {g}"]["flops_per_step"])
    assert len(_rows(tmp_path / "throughput.csv")) == 4
    side = (tmp_path / "side_by_side.md").read_text()
    assert "r = 0.75, g = 0 < r = 0.0, g = 0 on flops_per_step, in %" in side and "undecided (n = 1 < 2)" in side  # one seed
    assert "not produced by this notebook" in side and "speed × 1.087" in side  # the cited H200 reference, labelled
    assert "**Interleaved** (`benchmarks/throughput.py`, seed 0): g = 0: r = 0.75 : r = 0.0 samples/s ×" in side
    assert _is_png(tmp_path / "table_efficiency.png")
    assert (
        "table_efficiency: 4 of 4 runs to do" in printed
        and "**Claims on flops_per_step:** 0 held, 0 did not hold, 2 undecided of 2." in printed
    )


@pytest.mark.slow
def test_table_data_efficiency_smoke(tmp_path):
    printed = _papermill("nbs/table_data_efficiency.ipynb", tmp_path, smoke=True, fractions=[0.2, 1.0])

    runs = _runs(tmp_path)
    assert sorted((r["params"]["fraction"], r["params"]["backbone"], r["seed"]) for r in runs) == [
        (0.2, "random", 0),
        (0.2, "vitp", 0),
        (1.0, "random", 0),
        (1.0, "vitp", 0),
    ]
    for r in runs:  # smoke: 10 LoveDA-like train images; 20 % of them is 2
        assert r["metrics"]["train_images"] == {0.2: 2, 1.0: 10}[r["params"]["fraction"]] and "train_fraction" not in r["params"]
        assert r["params"]["task"] == "loveda" and 0 <= r["metrics"]["mIoU"] <= 1 and "probe_mIoU" not in r["metrics"] and r["seconds"] > 0
    results = [json.loads(p.read_text()) for p in (tmp_path / "work").glob("*_seed0/finetune/results.json")]
    assert sorted((r["config"]["train_fraction"], r["train_samples"]) for r in results) == [(0.2, 2), (0.2, 2), (1.0, 10), (1.0, 10)]
    summary = _rows(tmp_path / "summary.csv")
    assert [(row["arm"], row["paper"], row["mIoU_n"]) for row in summary] == [
        ("20 % vitp", "67.07", "1"),
        ("20 % random", "", "1"),
        ("100 % vitp", "72.31", "1"),
        ("100 % random", "", "1"),
    ]  # Table 15's ViTP; it has no random-init row
    side = (tmp_path / "side_by_side.md").read_text()
    assert "| 20 % vitp > 20 % random | undecided (n = 1 < 2)" in side and "ViTP's lead over the paper's strongest baseline" in side
    assert "20 %: RemoteCLIP [102]" in side and "Beside our `general` arm" not in side  # the texture world has no general arm
    assert "- lead over random at 20 % > lead over random at 100 %: undecided (n = 1 < 2)" in side  # claim 2, in the written text
    assert _is_png(tmp_path / "table_data_efficiency.png")
    assert "table_data_efficiency: 4 of 4 runs to do" in printed and "**Claim 2**" in printed
    assert "**Claims on mIoU:** 0 held, 0 did not hold, 2 undecided of 2." in printed  # the conclusion, printed


@pytest.mark.slow
def test_table_frozen_smoke(tmp_path):
    printed = _papermill("nbs/table_frozen.ipynb", tmp_path, smoke=True, probe=True)  # the probe too: each arm on its own task

    runs = _runs(tmp_path)
    assert sorted((r["params"]["task"], r["params"]["backbone"], r["seed"]) for r in runs) == [
        (t, b, 0) for t in ("loveda", "medical") for b in ("random", "vitp")
    ]
    for r in runs:
        assert r["params"]["frozen_backbone"] is True and r["params"]["neck"] == "simple_fpn" and r["params"]["drop_ratio"] == 0.75
        assert r["params"]["preset"] == "test" and 0 <= r["metrics"]["mIoU"] <= 1 and 0 <= r["metrics"]["probe_mIoU"] <= 1
    probed = {(r["params"]["task"], r["params"]["backbone"]): r["metrics"]["probe_mIoU"] for r in runs}
    assert probed["loveda", "random"] != probed["medical", "random"]  # the same random ViT, probed on each arm's own task
    tuned = [json.loads(p.read_text()) for p in sorted((tmp_path / "work").glob("*_seed0/finetune/results.json"))]
    assert len(tuned) == 4
    for res in tuned:  # the ViT was frozen: every trainable parameter lies outside it
        assert res["config"]["frozen_backbone"] and res["params"]["trainable"] == res["params"]["total"] - res["params"]["backbone"] > 0
    summary = _rows(tmp_path / "summary.csv")
    assert [(row["arm"], row["mIoU_n"], row["probe_mIoU_n"]) for row in summary] == [
        (f"{t} {b}", "1", "1") for t in ("loveda", "medical") for b in ("vitp", "random")
    ]
    assert [row["paper"] for row in summary[:2]] == ["51.9", "51.5"]  # Table 14: ViTP, the strongest other (AIMv2)
    side = (tmp_path / "side_by_side.md").read_text()
    assert "| loveda vitp | 51.9 |" in side and "AIMv2 [45] L/14 51.5" in side
    assert "| loveda vitp > loveda random |" in side and "undecided (n = 1 < 2)" in side  # one seed
    assert "paired: mDice" in side and "paired: probe mIoU" in side
    assert _is_png(tmp_path / "table_frozen.png")
    assert "table_frozen: 4 of 4 runs to do" in printed and "**Claims on mIoU:** 0 held, 0 did not hold, 2 undecided of 2." in printed


@pytest.mark.slow
def test_paper_scale_is_parameters_only(tmp_path):
    """One run of ablate_drop with paper-shaped parameters on a small embedded tree standing in for the real data: a
    meta JSON, a recipe file and a downstream folder in its real format are what the stages read, the paper-scale
    settings (tiles, gradient accumulation, DeepSpeed, precision, head width, the scored split) reach the stage and
    fine-tuning configs that ran, and the default tree is never written — with no code edit."""
    from vitp.embedded import write_embedded

    real = write_embedded(tmp_path / "real", size=128, scale=0.25)
    meta, recipe, loveda = str(real.meta), str(real.recipes["vitp"]), str(real.downstream["loveda"])
    out, work, stages = tmp_path / "out", tmp_path / "work", tmp_path / "stages"
    printed = _papermill(
        "nbs/ablate_drop.ipynb",
        out,
        preset="test",
        general_steps=0,
        ratios=[0.75],
        seeds=[0],
        pretrain_steps=2,
        pretrain_batch=2,
        finetune_steps=2,
        finetune_batch=2,
        img_size=64,
        meta=meta,
        recipe=recipe,
        finetune_data=loveda,
        tiles=2,
        grad_accum=2,
        deepspeed="configs/ds_zero1.json",
        precision="fp32",
        head_channels=32,
        eval_split="val",
        data_dir=str(tmp_path / "unused"),
        work_dir=str(work),
        stage_dir=str(stages),
    )

    (run,) = _runs(out)
    paper = dict(tiles=2, grad_accum=2, deepspeed="configs/ds_zero1.json", precision="fp32", head_channels=32, eval_split="val")
    assert run["params"] == {**run["params"], "meta": meta, "recipe": recipe, "finetune_data": loveda, **paper}  # all recorded
    (stage_dir,) = stages.iterdir()  # no general stage: the one ViTP stage, from the preset
    stage = json.loads((stage_dir / "config.json").read_text())
    assert (stage["model"], stage["meta"], stage["recipe"], stage["drop_ratio"]) == ("test", meta, recipe, 0.75)
    assert (stage["max_tiles"], stage["grad_accum"], stage["precision"]) == (2, 2, "fp32")
    assert stage["deepspeed"] == str(ROOT / "configs" / "ds_zero1.json") and len(read_metrics(stage_dir)) == 2  # two optimizer steps ran
    (finetuned,) = work.glob("*_seed0/finetune/results.json")
    config = json.loads(finetuned.read_text())["config"]
    assert config["data"] == loveda and config["backbone"] == str(stage_dir / "vit")
    assert (config["head_channels"], config["eval_split"], config["test_split"], config["precision"]) == (32, "val", "val", "fp32")
    assert 0 <= run["metrics"]["mIoU"] <= 1 and 0 <= run["metrics"]["probe_mIoU"] <= 1
    assert not (tmp_path / "unused").exists()  # neither stage fell back to the embedded default
    assert "not judged (an arm is not among this run's)" in printed  # one ratio: nothing to compare against
