"The benchmark scripts run and their tables say what they should (no timing is asserted)."

import json, os, subprocess, sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"


def run(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(BENCH / script), *args], check=True, capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"}
    )


def rows(out: str, width: int) -> list[list[str]]:
    "Table rows: lines whose first `width` fields' last one is a number (r) — fields split on runs of spaces."
    found = []
    for line in out.splitlines():
        f = line.split()
        try:
            float(f[width - 1])
        except (IndexError, ValueError):
            continue
        found.append(f)
    return found


@pytest.fixture(scope="module")
def tiny_tree(tmp_path_factory) -> str:
    "Where the scripts' --tiny runs write (the first one) and share the smallest embedded tree."
    return str(tmp_path_factory.mktemp("bench") / "embedded-tiny")


def test_vrl_speed_prints_shorter_sequences_and_lower_flop_ratio():
    out = run("vrl_speed.py", "--preset", "test", "--ratios", "0,0.75", "--batch", "2", "--reps", "1").stdout
    rows = {float(line.split()[0]): line.split() for line in out.splitlines() if line.strip()[:1].isdigit()}
    assert set(rows) == {0.0, 0.75}, out
    assert int(rows[0.75][1]) < int(rows[0.0][1])  # the LLM sequence is shorter
    assert float(rows[0.0][4]) == 1.0 and float(rows[0.75][4]) < 1.0  # and the FLOP model predicts less work


def test_padding_table_compares_the_authors_padding_with_ours(tiny_tree):
    out = run("padding.py", "--tiny", "--data-root", tiny_tree).stdout
    table = {}
    for line in out.splitlines():
        if line[:3] in ("(a)", "(b)", "(c)"):
            f = line.split()
            table[line[:3], float(f[-4])] = [float(x) for x in f[-3:]]  # real/step, computed/step, computed/real
    assert set(table) == {(k, r) for k in ("(a)", "(b)", "(c)") for r in (0.0, 0.75)}, out
    for r in (0.0, 0.75):
        real, computed, ratio = table["(a)", r]
        assert computed == 4 * 4096 and ratio > 10  # the authors compute 4096 positions per sample, dropped or not
        real_b, computed_b, ratio_b = table["(b)", r]
        assert real_b == real and 1 <= ratio_b < ratio  # ours: the same real tokens, at most the batch's padding on top
        assert abs(ratio_b - computed_b / real_b) < 2e-3
    assert table["(b)", 0.75][0] < table["(b)", 0.0][0]  # VRL leaves fewer real tokens
    assert "goal computed/real <= 1.15" in out


def test_throughput_table_has_every_ratio_and_vrl_saves_flops(tiny_tree):
    out = run("throughput.py", "--tiny", "--data-root", tiny_tree, "--layouts", "padded,packed").stdout
    table = {(float(f[0]), f[1]): f for f in rows(out, 1)}
    assert set(table) == {(r, k) for r in (0.0, 0.75) for k in ("padded", "packed")}, out
    # layout, step s, samples/s, tokens/s, LLM slots, TFLOP/s, MFU % ('-' peak memory on the CPU), speed x, FLOP x
    assert all(float(table[r][3]) > 0 and float(table[r][7]) > 0 for r in table)
    for k in ("padded", "packed"):
        assert float(table[0.75, k][5]) < float(table[0.0, k][5])  # the LLM computes fewer positions
    for r in (0.0, 0.75):
        assert float(table[r, "packed"][5]) <= float(table[r, "padded"][5])  # no padding when packed
    assert float(table[0.0, "padded"][10]) == 1.0 and float(table[0.75, "padded"][10]) < 1.0
    assert table[0.0, "padded"][12] == "-"  # the reference row saves nothing
    speed_x, flop_x, saved = (float(table[0.75, "padded"][i]) for i in (9, 10, 12))  # time saved ÷ FLOPs saved, from the same row
    assert abs(saved - (1 - 1 / speed_x) / (1 - flop_x)) < 0.02 * max(1, abs(saved)), out
    assert "batch 2, recipe 'vitp'" in out and "torch threads" in out


def test_packing_prototype_matches_padded_outputs(tiny_tree):
    out = run("packing.py", "--tiny", "--data-root", tiny_tree).stdout
    table = {(int(f[0]), float(f[1]), f[2] if f[3][0].isdigit() else f"{f[2]} {f[3]}"): f for f in rows(out, 2)}
    layouts = ("padded", "bins", "one row", "varlen")
    assert set(table) == {(g, r, k) for g in (0, 16) for r in (0.0, 0.75) for k in layouts}, out
    for (_g, _r, k), f in table.items():
        computed = float(f[-7])
        if k in ("one row", "varlen"):
            assert computed == 1.0  # no padding at all
        else:
            assert computed >= 1.0
        if k == "varlen":
            assert f[-1] == "-"  # predicted only, on a CPU
        else:
            assert float(f[-1]) < 1e-4  # the same function as the padded layout
    assert float(table[0, 0.75, "varlen"][-6]) < 1.0  # varlen skips padding and cross-sample attention


@pytest.mark.slow
def test_gpu_check_dry_run_walks_every_step():
    out = subprocess.run(
        ["bash", str(BENCH / "gpu_check.sh"), "--device", "cpu", "--tiny"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHON": sys.executable},
        cwd="/",
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "batch 4: out of GPU memory; trying 2" in out.stderr  # the batch fallback a real OOM takes
    assert "batch 2, one synthetic batch, 3 tiles per sample" in out.stdout
    assert "throughput exit 0, compiled 0, packing exit 0" in out.stdout


def test_patch_resize_scores_every_variant(tiny_tree, tmp_path):
    from vitp.vlm import build_vlm

    model, tok = build_vlm("test", ratio=0.0, seed=0)
    model.vlm.save_pretrained(tmp_path / "vlm")
    tok.save_pretrained(tmp_path / "vlm")
    out = run(
        "patch_resize.py", "--tiny", "--source", str(tmp_path / "vlm"), "--data-root", tiny_tree, "--work", str(tmp_path / "work")
    ).stdout
    scores = json.loads(out.strip().splitlines()[-1])["scores"]
    assert list(scores) == ["patch 14 (no resize)", "patch 16, bicubic (authors)", "patch 16, pseudo-inverse"], out
    assert all(len(v) == 1 and 0 <= v[0] <= 1 for v in scores.values()), out
    for folder, patch in [("p14", 14), ("p16_bicubic", 16), ("p16_pi", 16)]:  # each variant really was exported with its patch
        assert json.loads((tmp_path / "work" / folder / "vit" / "config.json").read_text())["patch_size"] == patch
