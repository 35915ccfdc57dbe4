"""One training run of the `test` VLM preset for the distributed tests: `single` (one process, gradient accumulation 2),
`ddp` or `deepspeed` (two processes under torchrun, one sample each per step; `deepspeed` as one plain process
accumulates 2 micro-batches like `single`). Writes the loss curve as JSON, and the
step-4 checkpoint into the folder of the same name."""

import json, sys
from pathlib import Path

import torch
import torch.distributed as dist
from PIL import Image

from vitp.core import pick_device
from vitp.learner import CheckpointCB, Learner, ListData, MetricsCB, OptimSettings, RunSettings, init_distributed
from vitp.vlm import build_vlm, collate, encode_conversation, image_to_pixels

engine, out = sys.argv[1], Path(sys.argv[2])
config = Path(__file__).parent.parent / "configs" / "ds_zero2.json" if engine == "deepspeed" else None
device = pick_device()
rank, world = init_distributed(device, deepspeed=config is not None)  # without torchrun, DeepSpeed gets a group of one process
model, tok = build_vlm("test", ratio=0.0, seed=0)
g = torch.Generator().manual_seed(0)
samples = []
for i in range(8):
    px = image_to_pixels(
        Image.fromarray(torch.randint(0, 256, (56 * (1 + i % 2), 56, 3), generator=g).numpy().astype("uint8")), 56, max_tiles=2
    )
    conv = [{"from": "human", "value": f"<image>\nHow many ships are in picture {i}?"}, {"from": "gpt", "value": f"There are {i} ships."}]
    samples.append(dict(encode_conversation(conv, tok, [len(px) * model.tokens_per_tile]), pixel_values=px))
# global step s uses samples 2s and 2s+1: one per rank, or both as micro-batches of one process
mine = samples[rank::world] if world > 1 else samples
data = ListData([collate([s], tok.pad_token_id) for s in mine])
learn = Learner(
    model,
    data,
    steps=4,
    optim=OptimSettings(lr=1e-3, warmup_ratio=0.0, grad_accum=2 if world == 1 else 1),
    run=RunSettings(out_dir=out.with_suffix(""), device=str(device), deepspeed=config),
    cbs=[MetricsCB(tensorboard=False), CheckpointCB(every=4)],
).fit()  # saves after step 4
if rank == 0:
    out.write_text(json.dumps([r["loss"] for r in learn.cbs[0].records]))
if dist.is_initialized():
    dist.destroy_process_group()
