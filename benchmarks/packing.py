"""Sequence packing for the sequences VRL shortens: what it would save over dynamic padding, predicted and measured.

    .venv/bin/python benchmarks/packing.py                     # embedded preset and recipe, CPU
    .venv/bin/python benchmarks/packing.py --groups 0,4,16,64 --ratios 0.75

A measurement-only prototype; vitp.vlm is untouched. For each batch of the embedded recipe the language model's
inputs after VRL (each sample: text + kept image tokens, with its original position ids and their gaps) are laid out as
  padded   B rows padded to the longest sample: what ViTPModel.forward does (2-D mask);
  bins     first-fit-decreasing into rows as long as the longest sample, a block-diagonal causal 4-D mask per row;
  one row  every sample in one row with a block-diagonal causal 4-D mask (SDPA still scores the whole row × row);
  varlen   one row run by flash-attn's varlen kernel on cu_seqlens (CUDA with flash-attn; elsewhere predicted only).
Columns: LLM positions computed ÷ real tokens; the FLOP model's LLM FLOPs and whole-step FLOPs (vision included)
relative to padded; forward+backward seconds of the preset's LLM on those shapes (random embeddings; layouts
interleaved, summed over the timed batches) and of the whole step (the vision tower's measured time added), relative to
padded; and max |output − padded output| at the real positions, which shows each layout computes the same function."""

import argparse, statistics, time

# common first: it sets OpenMP up before torch loads
from common import add_data_args, apply_tiny, recipe_batches, set_threads, vrl_lengths
import torch

from vitp.vlm import build_vlm, vlm_step_flops

LAYOUTS = ("padded", "bins", "one row", "varlen")


def first_fit(lengths: list[int], width: int) -> list[list[int]]:
    "Sample indices per row: longest first, each into the first row with room (rows hold `width` positions)."
    rows, room = [], []
    for i in sorted(range(len(lengths)), key=lambda i: -lengths[i]):
        j = next((j for j, r in enumerate(room) if r >= lengths[i]), None)
        if j is None:
            rows.append([])
            room.append(width)
            j = len(rows) - 1
        rows[j].append(i)
        room[j] -= lengths[i]
    return rows


def sample_inputs(lengths: list[int], full: list[int], hidden: int, generator: torch.Generator) -> list[tuple]:
    "Per sample: random input embeddings [n, hidden] and increasing position ids with VRL-like gaps (n of range(full))."
    out = []
    for n, f in zip(lengths, full):
        pos = torch.randperm(f, generator=generator)[:n].sort().values
        out.append((torch.randn(n, hidden, generator=generator), pos))
    return out


def layout(samples: list[tuple], rows: list[list[int]], width: int) -> dict:
    """Rows of `width` positions holding the samples of each row back to back, with a block-diagonal causal mask.

    Padding gets a segment of its own (it attends to itself only), so no query row is fully masked."""
    hidden = samples[0][0].shape[1]
    embeds, pos, seg = (
        torch.zeros(len(rows), width, hidden),
        torch.zeros(len(rows), width, dtype=torch.long),
        torch.full((len(rows), width), -1),
    )
    where = {}  # sample → (row, start)
    for r, members in enumerate(rows):
        start = 0
        for i in members:
            x, p = samples[i]
            embeds[r, start : start + len(x)], pos[r, start : start + len(x)], seg[r, start : start + len(x)] = x, p, i
            where[i] = (r, start)
            start += len(x)
    causal = torch.ones(width, width, dtype=torch.bool).tril()
    mask = (seg[:, :, None] == seg[:, None, :]) & causal
    return dict(inputs_embeds=embeds, position_ids=pos, attention_mask=mask[:, None], where=where)


def padded(samples: list[tuple]) -> dict:
    "One row per sample, right-padded to the longest, with the 2-D padding mask ViTPModel.forward passes."
    width = max(len(x) for x, _ in samples)
    lay = layout(samples, [[i] for i in range(len(samples))], width)
    lay["attention_mask"] = torch.stack([torch.arange(width) < len(x) for x, _ in samples]).long()
    return lay


def varlen(samples: list[tuple]) -> dict:
    "One row with no mask and flash-attn's cumulative sequence lengths."
    lay = layout(samples, [list(range(len(samples)))], sum(len(x) for x, _ in samples))
    lengths = torch.tensor([len(x) for x, _ in samples])
    cu = torch.cat([torch.zeros(1, dtype=torch.int32), lengths.cumsum(0).to(torch.int32)])
    lay.update(attention_mask=None, cu_seq_lens_q=cu, cu_seq_lens_k=cu, max_length_q=int(lengths.max()), max_length_k=int(lengths.max()))
    return lay


def run_llm(llm, lay: dict, samples: list[tuple], device: torch.device, dtype) -> tuple[float, list[torch.Tensor]]:
    "Seconds of forward + backward on a layout, and each sample's output hidden states."
    kwargs = {k: v.to(device) if torch.is_tensor(v) else v for k, v in lay.items() if k != "where"}
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    t0 = time.perf_counter()
    with torch.autocast(device.type, dtype or torch.float32, enabled=dtype is not None):
        hidden = llm(**kwargs, use_cache=False).last_hidden_state
    outs = [hidden[r, s : s + len(samples[i][0])] for i, (r, s) in sorted(lay["where"].items())]
    torch.cat(outs).float().pow(2).mean().backward()  # a loss on the real positions only, the same for every layout
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    seconds = time.perf_counter() - t0
    llm.zero_grad(set_to_none=True)
    return seconds, [o.detach().float().cpu() for o in outs]


def run_vision(model, pixel_values: torch.Tensor, device: torch.device, dtype) -> float:
    "Seconds of forward + backward of the vision tower and projector on a batch's tiles."
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    t0 = time.perf_counter()
    with torch.autocast(device.type, dtype or torch.float32, enabled=dtype is not None):
        feats = model.vlm.model.get_image_features(pixel_values=pixel_values.to(device)).pooler_output
    feats.float().pow(2).mean().backward()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    model.zero_grad(set_to_none=True)
    return time.perf_counter() - t0


def llm_flops(config, n: int) -> float:
    return vlm_step_flops(config, 0, n, 0, 0)["llm"]


def predicted(config, batch: dict, seen: torch.Tensor) -> dict:
    "Per layout: positions computed and the FLOP model's LLM and whole-step FLOPs for one batch."
    seen_l, width = seen.tolist(), int(seen.max())
    rows = len(first_fit(seen_l, width))
    fixed = sum(vlm_step_flops(config, int(t), 0, 0, 0)["total"] for t in batch["n_tiles"])  # vision + projector
    llm = {
        "padded": len(seen_l) * llm_flops(config, width),
        "bins": rows * llm_flops(config, width),
        "one row": llm_flops(config, sum(seen_l)),
        "varlen": sum(llm_flops(config, n) for n in seen_l),
    }
    slots = {"padded": len(seen_l) * width, "bins": rows * width, "one row": sum(seen_l), "varlen": sum(seen_l)}
    return {k: dict(slots=slots[k], llm=llm[k], step=llm[k] + fixed) for k in LAYOUTS}


def measure(args, model, batches: list[dict], ratios: list[float], layouts: tuple, device, dtype) -> dict:
    "Predicted columns over `batches`, timings and output differences over the first `args.timed` of them."
    llm, config = model.vlm.model.language_model, model.vlm.config
    pred = {r: {k: dict(slots=0, llm=0.0, step=0.0) for k in LAYOUTS} for r in ratios}
    real = dict.fromkeys(ratios, 0)
    for b in batches:
        for r in ratios:
            seen = vrl_lengths(b, config, r)[1]
            real[r] += int(seen.sum())
            for k, v in predicted(config, b, seen).items():
                for key in v:
                    pred[r][k][key] += v[key]
    g = torch.Generator().manual_seed(args.seed)
    times = {r: dict.fromkeys(layouts, 0.0) for r in ratios}
    diff = {r: dict.fromkeys(layouts, 0.0) for r in ratios}
    vision = 0.0
    for b in batches[: args.timed]:
        vision += statistics.median([run_vision(model, b["pixel_values"], device, dtype) for _ in range(1 + args.reps)][1:])
        for r in ratios:
            full, seen = vrl_lengths(b, config, r)
            lengths, width = seen.tolist(), int(seen.max())
            samples = sample_inputs(lengths, full.tolist(), config.text_config.hidden_size, g)
            lays = {
                "padded": padded(samples),
                "bins": layout(samples, first_fit(lengths, width), width),
                "one row": layout(samples, [list(range(len(samples)))], sum(lengths)),
            }
            if "varlen" in layouts:
                lays["varlen"] = varlen(samples)
            runs = {k: [] for k in layouts}
            for _ in range(1 + args.reps):  # the first round warms up and is not timed
                for k in layouts:  # interleaved, so that drift hits every layout alike
                    if k == "varlen":
                        llm.set_attn_implementation("flash_attention_2")
                    runs[k].append(run_llm(llm, lays[k], samples, device, dtype))
                    if k == "varlen":
                        llm.set_attn_implementation("sdpa")
            for k in layouts:
                times[r][k] += statistics.median(t for t, _ in runs[k][1:])
                diff[r][k] = max(diff[r][k], max((x - y).abs().max().item() for x, y in zip(runs[k][0][1], runs["padded"][0][1])))
    return dict(pred=pred, real=real, times=times, diff=diff, vision=vision)


def main():
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 2)[2]
    )
    p.add_argument("--preset", default="embedded")
    add_data_args(p)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--batches", type=int, default=100, help="batches for the predicted columns")
    p.add_argument("--timed", type=int, default=3, help="of those, batches to time")
    p.add_argument("--reps", type=int, default=2, help="timings per batch and layout after a warm-up (median)")
    p.add_argument("--ratios", default="0,0.75")
    p.add_argument("--groups", default="0,16", help="RecipeData's group_by_length values to compare (0: none)")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--threads", type=int, default=0, help="torch threads on the CPU (0: torch's default)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--tiny", action="store_true", help="smoke-test settings: 'test' preset, tiny tree, 4 batches of 4, 1 timed once")
    args = p.parse_args()
    apply_tiny(p, args, batch=4, batches=4, timed=1, reps=1)
    threads = set_threads(args.threads)
    ratios = [float(r) for r in args.ratios.split(",")]
    groups = [int(x) for x in args.groups.split(",")]
    device = torch.device(args.device)
    dtype = torch.bfloat16 if device.type == "cuda" and torch.cuda.is_bf16_supported() else None

    model, tokenizer = build_vlm(args.preset, seed=args.seed)
    model.to(device).train()
    why = ""
    try:  # varlen needs flash-attn, and a transformers that can switch attention implementations
        if device.type != "cuda":
            raise RuntimeError("needs CUDA")
        model.vlm.model.language_model.set_attn_implementation("flash_attention_2")
        model.vlm.model.language_model.set_attn_implementation("sdpa")
        layouts = LAYOUTS
    except Exception as e:
        layouts, why = LAYOUTS[:3], f"; varlen predicted only ({str(e).splitlines()[0] if str(e) else type(e).__name__})"
    results = {}
    for group in groups:
        data = iter(recipe_batches(args, model.vlm.config, tokenizer, args.batch, group, args.seed))
        results[group] = measure(args, model, [next(data) for _ in range(args.batches)], ratios, layouts, device, dtype)

    print(
        f"preset {args.preset} on {device}, recipe {args.recipe!r} of {args.data_root}, batch {args.batch}, torch threads {threads}: "
        f"predicted over {args.batches} batches, timed on the first {args.timed} (median of {args.reps} after a warm-up){why}"
    )
    print(
        f"{'g':>3} {'r':>5} {'layout':<8} {'computed/real':>13} {'LLM FLOP x':>11} {'step FLOP x':>12} {'LLM s':>8} {'LLM time x':>11} "
        f"{'step time x':>12} {'max |diff|':>11}"
    )
    for group, res in results.items():
        for r in ratios:
            pred, times, base = res["pred"][r], res["times"][r], res["pred"][r]["padded"]
            for k in LAYOUTS:
                q = pred[k]
                timed = (
                    (
                        f"{times[k]:8.3f} {times[k] / times['padded']:11.3f} "
                        f"{(res['vision'] + times[k]) / (res['vision'] + times['padded']):12.3f} {res['diff'][r][k]:11.2e}"
                    )
                    if k in layouts
                    else f"{'-':>8} {'-':>11} {'-':>12} {'-':>11}"
                )
                print(
                    f"{group:3d} {r:5.2f} {k:<8} {q['slots'] / res['real'][r]:13.3f} {q['llm'] / base['llm']:11.3f} "
                    f"{q['step'] / base['step']:12.3f} {timed}"
                )
    print(
        "g: group_by_length; x: relative to padded at the same g and r; step time = the vision tower's measured time ("
        + ", ".join(f"g={g}: {res['vision']:.3f} s" for g, res in results.items())
        + ") + the LLM's"
    )


if __name__ == "__main__":
    main()
