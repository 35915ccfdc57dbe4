"""Two processes (gloo) with DDP or DeepSpeed ZeRO-2 follow the loss curve of one process with 2x gradient accumulation,
and their step-4 checkpoints hold the same weights; so does DeepSpeed in one plain process (no torchrun). And the run
scaffold's data preparation runs on the main rank first."""

import json, os, socket, subprocess, sys
from pathlib import Path

import pytest
from safetensors.torch import load_file

WORKER = Path(__file__).parent / "dist_worker.py"
TOLERANCE = 1e-5  # relative: fp32 sums in a different order (all-reduce vs accumulation)
WEIGHT_TOLERANCE = 1e-4  # absolute, after 4 AdamW steps of lr 1e-3 (each moves a weight by up to about 1e-3)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(engine, tmp_path, nproc):
    out = tmp_path / f"{engine}.json"
    torchrun = (
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            f"--nproc_per_node={nproc}",
            "--master_addr=127.0.0.1",
            f"--master_port={_free_port()}",
        ]
        if nproc > 1
        else [sys.executable]
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    env.setdefault("TORCH_EXTENSIONS_DIR", str(Path(sys.prefix) / "torch_extensions"))
    subprocess.run([*torchrun, str(WORKER), engine, str(out)], check=True, env=env, timeout=300)
    return json.loads(out.read_text()), load_file(tmp_path / engine / "checkpoints" / "step-0000004" / "model.safetensors")


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    return _run("single", tmp_path_factory.mktemp("single"), 1)


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["ddp", "deepspeed"])
def test_two_processes_match_gradient_accumulation(engine, single, tmp_path):
    (losses, weights), (single_losses, single_weights) = _run(engine, tmp_path, 2), single
    assert len(losses) == len(single_losses) == 4
    assert losses[-1] < losses[0]  # it trains
    for a, b in zip(losses, single_losses):
        assert abs(a - b) <= TOLERANCE * abs(b), (engine, losses, single_losses)
    assert weights.keys() == single_weights.keys()  # DeepSpeed's flat buffers are saved under the model's own names
    worst = max((weights[k] - single_weights[k]).abs().max().item() for k in weights)
    assert worst <= WEIGHT_TOLERANCE, (engine, worst)


@pytest.mark.slow
def test_deepspeed_without_torchrun_runs_as_one_process(single, tmp_path):
    "A DeepSpeed config in a plain process (no torchrun) runs: one process, 2 micro-batches per step, the single run's curve."
    (losses, weights), (single_losses, single_weights) = _run("deepspeed", tmp_path, 1), single
    assert len(losses) == 4 and losses[-1] < losses[0]
    for a, b in zip(losses, single_losses):
        assert abs(a - b) <= TOLERANCE * abs(b), (losses, single_losses)
    assert max((weights[k] - single_weights[k]).abs().max().item() for k in weights) <= WEIGHT_TOLERANCE


@pytest.mark.slow
def test_prepare_runs_on_the_main_rank_first(tmp_path):
    "`Run.prepare` across two processes: rank 0 prepares, rank 1 waits at the barrier and then only reads."
    subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc_per_node=2",
            "--master_addr=127.0.0.1",
            f"--master_port={_free_port()}",
            str(Path(__file__).parent / "prepare_worker.py"),
            str(tmp_path),
        ],
        check=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        timeout=300,
    )
    got = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert got == [dict(rank=r, world=2, got="written by rank 0") for r in (0, 1)], got
