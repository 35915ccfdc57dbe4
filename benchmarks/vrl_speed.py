"""VRL's compute saving, measured: forward+backward step time and peak memory for several drop ratios,
as ratios to r = 0, beside the ratio a FLOP count of the same shapes predicts.

    .venv/bin/python benchmarks/vrl_speed.py                  # embedded preset on this machine
    .venv/bin/python benchmarks/vrl_speed.py --preset test --reps 3

Times are medians over `--reps` steps, with the ratios interleaved so that drift on a noisy machine hits all
of them alike. Peak memory is CUDA's max allocated on a GPU; on the CPU it is the highest resident set seen
during the steps (sampled every millisecond) above the resident set before them, in a fresh process per ratio."""

import argparse, json, os, statistics, subprocess, sys, threading, time

import numpy as np
import torch
from PIL import Image

from vitp.vlm import build_vlm, collate, encode_conversation, image_to_pixels, vlm_step_flops
from vitp.vrl import VisualRobustnessDrop

QUESTION = "<image>\nPlease describe the objects in this remote sensing image and count the ships in the harbor."
ANSWER = "There are 3 ships near the harbor, 2 storage tanks on the left and a bridge at the bottom of the image."


def make_batch(model, tok, batch_size, image_side, max_tiles, seed=0):
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(batch_size):
        image = Image.fromarray(rng.integers(0, 256, (image_side, image_side, 3), dtype=np.uint8))
        px = image_to_pixels(image, model.tile_size, max_tiles=max_tiles)
        conv = [{"from": "human", "value": QUESTION}, {"from": "gpt", "value": ANSWER}]
        samples.append(dict(encode_conversation(conv, tok, [len(px) * model.tokens_per_tile]), pixel_values=px))
    return collate(samples, tok.pad_token_id)


def step(model, batch, device, generator):
    out = model(**{k: v.to(device) if torch.is_tensor(v) else v for k, v in batch.items()}, generator=generator)
    out.loss.backward()
    model.zero_grad(set_to_none=True)
    return out


def predicted_flops(model, batch, out):
    "FLOPs of the step as the model counts them: each sample at the batch's padded LLM length."
    width = out.attention_mask.shape[1]
    total = 0.0
    for i in range(len(batch["n_tiles"])):
        kept = int(out.kept_image_tokens[i])
        answer = int((out.labels[i] != -100).sum())
        total += vlm_step_flops(model.vlm.config, int(batch["n_tiles"][i]), width - kept, kept, answer)["total"]
    return total


def setup(args, ratio):
    model, tok = build_vlm(args.preset, ratio=ratio, seed=0)
    device = torch.device(args.device)
    model.to(device).train()
    return model, make_batch(model, tok, args.batch, args.image_side, args.max_tiles), device


class PeakRSS:
    "Highest resident set size seen while the block runs, sampled from /proc/self/statm by a thread."

    def _rss(self):
        return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def _watch(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            time.sleep(0.001)

    def __enter__(self):
        self.base = self.peak = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())


def measure_memory(args, ratio):
    "Run in a child process: peak memory growth over the steps, in MiB."
    model, batch, device = setup(args, ratio)
    gen = torch.Generator(device=device).manual_seed(0)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
        for _ in range(2):
            step(model, batch, device, gen)
        return (torch.cuda.max_memory_allocated() - base) / 2**20
    with PeakRSS() as rss:
        for _ in range(2):
            step(model, batch, device, gen)
    return (rss.peak - rss.base) / 2**20


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--preset", default="embedded")
    p.add_argument("--ratios", default="0,0.5,0.75,0.9")
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--image-side", type=int, default=448, help="square images: 448 px gives 2x2 tiles + thumbnail at 224 px tiles")
    p.add_argument("--max-tiles", type=int, default=4)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--memory-of", type=float, default=None, help=argparse.SUPPRESS)  # child-process mode
    args = p.parse_args()
    if args.memory_of is not None:
        print(json.dumps(measure_memory(args, args.memory_of)))
        return

    ratios = [float(r) for r in args.ratios.split(",")]
    model, batch, device = setup(args, 0.0)
    gen = torch.Generator(device=device).manual_seed(0)
    times = {r: [] for r in ratios}
    outs = {}
    for r in ratios:  # warm-up, and the shapes each ratio produces
        model.drop = VisualRobustnessDrop(r, tile_tokens=model.tokens_per_tile)
        outs[r] = step(model, batch, device, gen)
    for _ in range(args.reps):
        for r in ratios:
            model.drop = VisualRobustnessDrop(r, tile_tokens=model.tokens_per_tile)
            if device.type == "cuda":
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            step(model, batch, device, gen)
            if device.type == "cuda":
                torch.cuda.synchronize()
            times[r].append(time.perf_counter() - t0)
    memory = {
        r: json.loads(
            subprocess.run([sys.executable, __file__, *sys.argv[1:], "--memory-of", str(r)], check=True, capture_output=True, text=True)
            .stdout.strip()
            .splitlines()[-1]
        )
        for r in ratios
    }

    base_t, base_f, base_m = statistics.median(times[ratios[0]]), predicted_flops(model, batch, outs[ratios[0]]), memory[ratios[0]]
    n_tiles = batch["n_tiles"].tolist()
    print(
        f"preset {args.preset}: batch {args.batch}, tiles per sample {n_tiles}, {model.tokens_per_tile} image tokens per tile, "
        f"device {device}, torch threads {torch.get_num_threads()}, median of {args.reps} steps"
    )
    print(
        f"{'r':>5} {'LLM len':>8} {'step s':>8} {'time ratio':>11} {'FLOP ratio':>11} {'time/FLOP':>10} {'peak MiB':>9} {'mem ratio':>10}"
    )
    for r in ratios:
        t, f = statistics.median(times[r]), predicted_flops(model, batch, outs[r])
        print(
            f"{r:5.2f} {outs[r].attention_mask.shape[1]:8d} {t:8.3f} {t / base_t:11.3f} {f / base_f:11.3f} "
            f"{(t / base_t) / (f / base_f):10.3f} {memory[r]:9.1f} {memory[r] / base_m if base_m else float('nan'):10.3f}"
        )


if __name__ == "__main__":
    main()
