"""One rank of the `vitp.run` scaffold test: `Run.prepare` with a slow, idempotent preparation (write a file if it is
missing, then read it), as writing the embedded tree is. Writes what this rank read to `rank{r}.json`."""

import json, sys, time
from pathlib import Path

import torch.distributed as dist

from vitp.run import start_run

folder = Path(sys.argv[1])
run = start_run(dict(out_dir=str(folder), device="cpu"))


def prepare(path: Path) -> str:
    if not path.exists():
        time.sleep(1.0)
        path.write_text(f"written by rank {run.rank}")
    return path.read_text()


got = run.prepare(prepare, folder / "shared.txt")
(folder / f"rank{run.rank}.json").write_text(json.dumps(dict(rank=run.rank, world=run.world, got=got)))
if dist.is_initialized():
    dist.destroy_process_group()
