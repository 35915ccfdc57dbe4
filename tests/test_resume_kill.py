"A pretraining run killed with SIGKILL after a checkpoint and started again gives the uninterrupted run's losses."

import json, os, signal, subprocess, sys, time
from pathlib import Path

import pytest

from vitp.learner import read_metrics

CLI = Path(sys.executable).parent / "vitp_pretrain"
STEPS = 8


def _config(tmp: Path, out: str, **extra) -> Path:
    cfg = dict(
        model="test",
        data_root=str(tmp / "data"),
        data_size=64,
        data_scale=0.05,
        recipe="vitp",
        steps=STEPS,
        batch_size=4,
        grad_accum=1,
        lr=3e-3,
        warmup_ratio=0.1,
        checkpoint_every=3,
        keep_last=5,
        drop_ratio=0.75,
        vit_drop_path=0.1,
        precision="fp32",
        device="cpu",
        plot=False,
        out_dir=str(tmp / out),
        **extra,
    )
    path = tmp / f"{out}.json"
    path.write_text(json.dumps(cfg))
    return path


def _losses(run: Path) -> list[float]:
    recs = read_metrics(run)
    assert [r["step"] for r in recs] == list(range(1, len(recs) + 1)), "one metrics line per step, in order"
    return [r["loss"] for r in recs]


def _env() -> dict:
    return {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", "TQDM_DISABLE": "1"}


PACKED = dict(packing=True, max_tokens=400, group_by_length=2)  # packed rows of token-budget micro-batches


@pytest.mark.slow
@pytest.mark.parametrize("extra", [{}, PACKED], ids=["padded", "packed"])
def test_sigkill_then_resume_matches_uninterrupted(tmp_path, extra):
    assert CLI.exists(), f"{CLI} is missing: install vitp (pip install -e .) so its console scripts exist"
    subprocess.run([str(CLI), str(_config(tmp_path, "whole", **extra))], check=True, env=_env(), capture_output=True)
    whole = _losses(tmp_path / "whole")
    assert len(whole) == STEPS
    ratios = [r["padding_ratio"] for r in read_metrics(tmp_path / "whole")]
    assert all(q == 1.0 for q in ratios) if extra else all(q >= 1.0 for q in ratios), ratios  # packed rows compute no padding

    killed = tmp_path / "killed"
    proc = subprocess.Popen(
        [str(CLI), str(_config(tmp_path, "killed", **extra))], env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    first = killed / "checkpoints" / "step-0000003"
    deadline = time.time() + 300
    while not first.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL, "the run ended before it could be killed"
    assert first.exists()

    subprocess.run([str(CLI), str(_config(tmp_path, "killed", **extra))], check=True, env=_env(), capture_output=True)
    resumed = _losses(killed)
    assert resumed == whole, f"resumed losses differ from the uninterrupted run:\n{resumed}\n{whole}"
