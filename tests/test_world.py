"The structure world (write_embedded(world='structure')): balanced questions, no colour shortcut downstream, determinism."

import warnings

import numpy as np
import pytest

from vitp.embedded import write_embedded
from vitp.formats import read_jsonl
from vitp.diagnostics import shortcut_probes


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    return write_embedded(tmp_path_factory.mktemp("world") / "tree", size=112, scale=1.0, seed=0, world="structure", workers=1)


def _records(tree, name):
    return read_jsonl(tree.root / "pretrain" / name / "ann.jsonl")


def _text_only_accuracy(qa):
    "Held-out accuracy (second half) of each question's most common answer in the first half (the overall one for unseen questions)."
    train, test = qa[: len(qa) // 2], qa[len(qa) // 2 :]
    by, overall = {}, {}
    for q, a in train:
        by.setdefault(q, {}).setdefault(a, 0)
        by[q][a] += 1
        overall[a] = overall.get(a, 0) + 1
    fallback = max(overall, key=overall.get)
    return float(np.mean([max(by[q], key=by[q].get) == a if q in by else fallback == a for q, a in test]))


def test_params_and_recipe(tree):
    assert tree.params == dict(size=112, scale=1.0, seed=0, version=1, world="structure")
    assert tree.check("vitp", warn=False) == []
    assert set(tree.recipes) == {"vitp", "general"}


def test_image_after_question(tree):
    for name in ("shapes_vqa", "shapes_sar_vqa", "texture_vqa", "general_ask"):
        recs = _records(tree, name)
        assert recs and all(r["conversations"][0]["value"].endswith("\n<image>") for r in recs), name


@pytest.fixture(scope="module")
def many():
    "Records of 800 draws of each shape sampler (no disk: enough records per question for a held-out estimate)."
    from vitp.embedded import STRUCTURE_PRETRAIN

    return [r for n in ("shapes_vqa", "shapes_sar_vqa") for s in range(800) for r in (STRUCTURE_PRETRAIN[n].sample(s, 112) or ([], []))[1]]


@pytest.mark.parametrize("task,chance", [("colour", 1 / 5), ("count", 1 / 4), ("presence", 1 / 2), ("class", 1 / 4), ("relative", 1 / 2)])
def test_text_only_at_chance(many, task, chance):
    "A text-only model (best answer per question string) is within 6 points of chance on held-out records."
    qa = [(r["conversations"][0]["value"], r["conversations"][1]["value"]) for r in many if r["task"] == task]
    assert len(qa) >= 300, (task, len(qa))
    acc = _text_only_accuracy(qa)
    assert acc < chance + 0.06, (task, acc, chance, len(qa))


def test_answer_entropy_near_uniform(tree):
    "Per task, the answers' entropy is at least 90 % of log(#answers)."
    recs = _records(tree, "shapes_vqa")
    for task in ("colour", "count", "presence", "class"):
        ans = [r["conversations"][1]["value"] for r in recs if r["task"] == task]
        _, n = np.unique(ans, return_counts=True)
        p = n / n.sum()
        assert -(p * np.log(p)).sum() >= 0.9 * np.log(len(n)), (task, dict(zip(*np.unique(ans, return_counts=True))))


def test_no_colour_shortcut_on_land_cover(tree):
    "The colour-statistics probe stays within 10 points of majority on texture land cover and change (patch accuracy)."
    for task in ("loveda", "levircd"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = shortcut_probes(task, tree.downstream[task], img_size=112, patch=14, progress=False)
        assert r["majority"]["n"] >= 300
        assert r["colour"]["acc"] <= r["majority"]["acc"] + 0.10, (task, r["colour"]["acc"], r["majority"]["acc"])


def test_deterministic(tree, tmp_path):
    again = write_embedded(tmp_path / "again", size=112, scale=0.2, seed=0, world="structure", workers=1)
    small = write_embedded(tmp_path / "small", size=112, scale=0.2, seed=0, world="structure", workers=1)
    files = sorted(p.relative_to(again.root) for p in again.root.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(small.root) for p in small.root.rglob("*") if p.is_file())
    for f in files:
        assert (again.root / f).read_bytes() == (small.root / f).read_bytes(), f
    other = write_embedded(tmp_path / "other", size=112, scale=0.2, seed=1, world="structure", workers=1)
    assert (other.root / "pretrain/shapes_vqa/ann.jsonl").read_text() != (small.root / "pretrain/shapes_vqa/ann.jsonl").read_text()


def test_default_world_params_unchanged(tmp_path):
    "The default world's manifest has no world key, so trees written before the option are still reused."
    t = write_embedded(tmp_path / "d", size=64, scale=0.05, seed=0, workers=1)
    assert "world" not in t.params
    with pytest.raises(ValueError, match="unknown world"):
        write_embedded(tmp_path / "e", size=64, world="nope")


def test_texture_cls_text_only_at_chance():
    "The texture world's whole-image questions: a text-only model is within 6 points of 1/7 on held-out records."
    from vitp.embedded import TEXTURE_PRETRAIN

    recs = [r for s in range(1400) for r in TEXTURE_PRETRAIN["texture_cls"].sample(s, 64)[1]]
    qa = [(r["conversations"][0]["value"], r["conversations"][1]["value"]) for r in recs]
    assert _text_only_accuracy(qa) < 1 / 7 + 0.06


def test_texture_config_binds(tmp_path):
    "configs/embedded_texture.json writes the texture world and trains on texture_cls alone (its recipe file)."
    from pathlib import Path

    from vitp.core import load_config
    from vitp.pretrain import PRETRAIN_DEFAULTS, check_data

    repo = Path(__file__).resolve().parents[1]
    cfg = load_config(repo / "configs/embedded_texture.json", defaults=PRETRAIN_DEFAULTS)
    cfg |= dict(data_root=str(tmp_path / "tree"), data_scale=0.05, recipe=str(repo / cfg["recipe"]))
    recipe, meta = check_data(cfg)
    assert [e.name for e in recipe] == ["texture_cls"] and recipe.entries[0].size == len(read_jsonl(meta["texture_cls"].annotation))
    assert "texture_cls" in meta


def test_texture_config_is_the_world_settings(tmp_path):
    "make demo's ViTP stage (configs/embedded_texture.json) has the settings the reproduction notebooks run on the texture world."
    import json
    from pathlib import Path

    from vitp.experiments import WORLD_SETTINGS, Study

    repo = Path(__file__).resolve().parents[1]
    cfg = json.loads((repo / "configs/embedded_texture.json").read_text())
    study = Study("demo", dict(out_dir=str(tmp_path / "out"), work_dir=str(tmp_path / "work")))
    stage = study.stage_cfg(study.p, 0, model=study.general(study.p))
    same = ("model", "data_size", "data_scale", "data_world", "steps", "batch_size", "lr", "weight_decay", "vit_drop_path", "drop_ratio")
    assert {k: cfg[k] for k in same} == {k: stage[k] for k in same}
    assert stage["recipe"] == str(repo / cfg["recipe"]) and Path(cfg["data_root"]).name == study.data.name
    assert WORLD_SETTINGS["texture"]["general_steps"] == 0  # the demo has no general stage either
    tuning = json.loads((repo / "configs/embedded_finetune.json").read_text())  # the demo fine-tunes on the same tree
    data = ("data_root", "data_size", "data_scale", "data_world")
    assert {k: tuning[k] for k in data} == {k: cfg[k] for k in data}
