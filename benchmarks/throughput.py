"""Throughput of the pretraining loop: samples/s, tokens/s and estimated MFU of a few steps of the real Learner
(AdamW, clipping, autocast) on a preset, for several VRL ratios taking turns step by step.

    .venv/bin/python benchmarks/throughput.py                                 # embedded preset, embedded recipe, CPU
    .venv/bin/python benchmarks/throughput.py --synthetic --tiles 2 --batch 4
    python benchmarks/throughput.py --preset internvl2_5-1b --synthetic --tiles 7 --batch 8,4,2   # a GPU: see gpu_check.sh

Batches come from the embedded tree's recipe through RecipeData (or, with --synthetic, one batch of fixed shapes:
random tiles and a fixed conversation). They are loaded before the steps (the loading time is printed apart), and each
batch is run once per ratio, the ratios alternating step by step, so that drift on a shared machine hits them alike.
The numbers are medians over the measured steps after --warmup warm-up steps per ratio.
MFU = the FLOP model's training FLOPs of the real (unpadded) tokens per second ÷ the peak: bf16 dense peak of the GPU
from a small table (--peak-flops overrides), or on a CPU a measured fp32 matrix-product rate."""

import argparse, copy, gc, importlib.util, statistics, sys, time
from contextlib import nullcontext

# common first: it sets OpenMP up before torch loads
from common import add_data_args, apply_tiny, recipe_batches, set_threads
import torch

from vitp.packing import PackedViTPModel
from vitp.vlm import ViTPModel
from vitp.learner import Callback, Learner, ListData, MetricsCB, OptimSettings, RunSettings
from vitp.pretrain import add_vit_drop_path, batch_flops
from vitp.vlm import build_vlm, collate, encode_conversation, param_groups, tiny_tokenizer, tokens_per_tile
from vitp.vrl import VisualRobustnessDrop

# bf16 dense tensor-core peaks (FLOP/s), matched in order against torch.cuda.get_device_name()
PEAK_BF16 = [("H100 PCIe", 756e12), ("H100 NVL", 835e12), ("H100", 989e12), ("H200", 989e12), ("A100", 312e12), ("A40", 149.7e12)]
QUESTION = "Please describe the objects in this remote sensing image and count the ships in the harbor."
WORDS = "there are three ships near the harbor two storage tanks on the left and a bridge at the bottom of the image".split()


def peak_flops(device: torch.device, given: float | None) -> tuple[float | None, str]:
    "The peak MFU is measured against, and where it comes from."
    if given:
        return given, "--peak-flops"
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
        for key, value in PEAK_BF16:
            if key in name:
                return value, f"{name}, bf16 dense"
        return None, f"{name} is not in the peak table: pass --peak-flops"
    return matmul_flops(), "measured fp32 matrix product on this CPU"


def matmul_flops(n: int = 1024, seconds: float = 0.5) -> float:
    "FLOP/s of repeated n×n fp32 matrix products with the current thread count: a practical CPU peak."
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    count, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        a @ b
        count += 1
    return 2 * n**3 * count / (time.perf_counter() - t0)


def synthetic_batch(tokenizer, config, batch: int, tiles: int, answer_words: int, seed: int = 0) -> dict:
    "A collated batch of fixed shapes: `tiles` random tiles per sample, one question and an answer of `answer_words` words."
    side, tpt = config.vision_config.image_size[0], tokens_per_tile(config)
    g = torch.Generator().manual_seed(seed)
    answer = " ".join(WORDS[i % len(WORDS)] for i in range(answer_words)) + "."
    conv = [{"from": "human", "value": "<image>\n" + QUESTION}, {"from": "gpt", "value": answer}]
    samples = [
        dict(encode_conversation(conv, tokenizer, [tiles * tpt]), pixel_values=torch.randn(tiles, 3, side, side, generator=g))
        for _ in range(batch)
    ]
    return collate(samples, tokenizer.pad_token_id)


class EitherLayout(PackedViTPModel):
    "The packed model that runs its language model padded while `packed` is false (the same weights for both layouts)."

    packed = True

    def language_model(self, embeds, mask, positions):
        return (PackedViTPModel if self.packed else ViTPModel).language_model(self, embeds, mask, positions)


class TakeTurns(Callback):
    "Before each step, set the (VRL ratio, layout) whose turn it is; on a GPU, record each step's peak memory."

    order = 5

    def __init__(self, ratios: list, tile_tokens: int):
        self.ratios, self.tile_tokens, self.peaks = ratios, tile_tokens, []

    def before_step(self, learn):
        r, layout = self.ratios[learn.step % len(self.ratios)]
        learn.model.drop = VisualRobustnessDrop(r, tile_tokens=self.tile_tokens)
        if isinstance(learn.model, EitherLayout):
            learn.model.packed = layout == "packed"
        if learn.device.type == "cuda":
            torch.cuda.synchronize(learn.device)
            torch.cuda.reset_peak_memory_stats(learn.device)

    def after_step(self, learn):
        if learn.device.type == "cuda":
            torch.cuda.synchronize(learn.device)
        self.peaks.append(torch.cuda.max_memory_allocated(learn.device) if learn.device.type == "cuda" else None)


class FakeOOM(Callback):
    "For dry runs on a CPU (--fake-oom-above): the first step raises the error a GPU raises when the batch does not fit."

    def before_step(self, learn):
        raise torch.OutOfMemoryError("fake: batch above --fake-oom-above")


def sdpa_context(choice: str):
    "SDPA's backends in priority order: the chosen one first, falling back where it cannot run (a padding mask stops flash)."
    if choice == "auto":
        return nullcontext()
    from torch.nn.attention import SDPBackend, sdpa_kernel

    order = {
        "flash": [SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH],
        "efficient": [SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH],
        "cudnn": [SDPBackend.CUDNN_ATTENTION, SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH],
        "math": [SDPBackend.MATH],
    }[choice]
    try:
        return sdpa_kernel(order, set_priority=True)
    except TypeError:
        return sdpa_kernel(order)  # an older torch: these backends only, in torch's own order


def build(args, device: torch.device):
    "The model with VRL, ViT drop path and the attention implementation asked for (flash-attn falls back to SDPA, said aloud)."
    attn = args.attn
    if attn == "auto":
        attn = "flash_attention_2" if device.type == "cuda" and importlib.util.find_spec("flash_attn") else "sdpa"
    tokenizer = copy.deepcopy(tiny_tokenizer())  # a copy: the cached one stays as it is
    if args.vocab_size > len(tokenizer):  # unused ids that give the embedding and LM head a real model's size
        tokenizer.add_tokens([f"<|unused_{i}|>" for i in range(args.vocab_size - len(tokenizer))], special_tokens=True)
    try:
        model, tokenizer = build_vlm(args.preset, tokenizer=tokenizer, attn_implementation=attn, seed=args.seed)
    except (ImportError, ValueError) as e:
        if attn == "sdpa":
            raise
        print(f"attn_implementation={attn} unavailable ({str(e).splitlines()[0]}); using sdpa", file=sys.stderr)
        attn = "sdpa"
        model, tokenizer = build_vlm(args.preset, tokenizer=tokenizer, attn_implementation=attn, seed=args.seed)
    if args.vit_drop_path:
        add_vit_drop_path(model.vlm, args.vit_drop_path)
    if args.grad_checkpointing:
        enable = getattr(model.vlm, "activation_checkpointing_enable", None) or model.vlm.gradient_checkpointing_enable
        enable()
    if args.compile:  # the parts with fixed structure; VRL's data-dependent compaction stays eager
        model.vlm.model.vision_tower.compile()
        model.vlm.model.language_model.compile(dynamic=True)
    return model, tokenizer, attn


def load_batches(args, model, tokenizer, batch_size: int, n: int) -> tuple[list[dict], float]:
    "`n` batches and the seconds one took to load."
    t0 = time.perf_counter()
    if args.synthetic:
        batches = [synthetic_batch(tokenizer, model.vlm.config, batch_size, args.tiles, args.answer_words, args.seed)]
    else:
        data = iter(recipe_batches(args, model.vlm.config, tokenizer, batch_size, args.group_by_length, args.seed))
        batches = [next(data) for _ in range(n)]
    return batches, (time.perf_counter() - t0) / len(batches)


def measure(args, model, tokenizer, device, batch_size: int, ratios: list[float], peak: float | None) -> dict:
    "Run the Learner for warm-up + measured steps per ratio, the ratios taking turns on the same batches; per-step records."
    per_ratio = args.warmup + args.steps
    batches, load_s = load_batches(args, model, tokenizer, batch_size, per_ratio)
    turns = TakeTurns(ratios, model.tokens_per_tile)
    metrics = MetricsCB(peak, batch_flops(model.vlm.config), tensorboard=False)
    data = ListData([b for b in batches for _ in ratios])  # each batch once per ratio, in turn
    fake_oom = [FakeOOM()] if args.fake_oom_above and batch_size > args.fake_oom_above else []
    learn = Learner(
        model,
        data,
        per_ratio * len(ratios),
        param_groups(model, args.lr),
        OptimSettings(lr=args.lr, warmup_ratio=0.0, grad_clip=1.0),
        RunSettings(precision=args.precision, device=str(device), seed=args.seed),
        cbs=[metrics, turns, *fake_oom],
    )
    with sdpa_context(args.sdpa_backend):
        learn.fit()
    return dict(records=metrics.records, peaks=turns.peaks, load_s=load_s, batches=batches)


def summarise(res: dict, ratios: list[float], warmup: int) -> dict:
    "Medians per ratio over the measured steps."
    out = {}
    k = len(ratios)
    for j, r in enumerate(ratios):
        recs = [rec for i, rec in enumerate(res["records"]) if i % k == j and i // k >= warmup]
        if r[1] == "packed":  # one row: the LLM computes the real tokens only
            recs = [{**rec, "tokens_computed": rec["tokens_computed"] / rec["padding_ratio"]} for rec in recs]
        peaks = [p for i, p in enumerate(res["peaks"]) if i % k == j and i // k >= warmup and p is not None]
        med = lambda key, recs=recs: statistics.median(rec[key] for rec in recs) if recs and key in recs[0] else float("nan")
        out[r] = dict(
            seconds=med("seconds"),
            samples_per_s=med("samples_per_s"),
            tokens_per_s=med("tokens_per_s"),
            flops=med("flops"),
            flops_per_s=med("flops_per_s"),
            mfu=med("mfu"),
            slots=med("tokens_computed"),
            peak=max(peaks) if peaks else None,
            steps=len(recs),
        )
    return out


def main():
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 2)[2]
    )
    p.add_argument("--preset", default="embedded", help="vitp.vlm preset (random weights): test, embedded, internvl2_5-1b, ...")
    p.add_argument("--ratios", default="0,0.75", help="VRL drop ratios, taking turns step by step")
    p.add_argument("--layouts", default="padded", help="padded, packed or both (padded,packed): LLM layouts taking turns with the ratios")
    p.add_argument("--batch", default="8", help="samples per step; a list (8,4,2) tries each in turn until one fits in GPU memory")
    p.add_argument("--steps", type=int, default=4, help="measured steps per ratio")
    p.add_argument("--warmup", type=int, default=1, help="warm-up steps per ratio (not measured)")
    p.add_argument("--synthetic", action="store_true", help="one batch of fixed shapes instead of the recipe")
    p.add_argument("--tiles", type=int, default=1, help="--synthetic: tiles per sample (7 = 6 tiles + thumbnail)")
    p.add_argument("--answer-words", type=int, default=40, help="--synthetic: words in the answer")
    add_data_args(p)
    p.add_argument("--group-by-length", type=int, default=0, help="RecipeData's group_by_length")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument(
        "--precision", default="auto", choices=["auto", "fp32", "bf16", "fp16"], help="autocast; auto: bf16 on a GPU that has it, else fp32"
    )
    p.add_argument(
        "--attn",
        default="auto",
        choices=["auto", "sdpa", "eager", "flash_attention_2"],
        help="attn_implementation; auto: flash_attention_2 on CUDA when flash-attn is installed, else sdpa",
    )
    p.add_argument(
        "--sdpa-backend",
        default="auto",
        choices=["auto", "flash", "efficient", "cudnn", "math"],
        help="SDPA backend tried first (falls back where it cannot run); auto: torch's choice",
    )
    p.add_argument("--compile", action="store_true", help="torch.compile the vision tower and the language model (warm-up steps compile)")
    p.add_argument("--grad-checkpointing", action="store_true")
    p.add_argument("--vit-drop-path", type=float, default=0.1, help="as in pretraining (PRETRAIN_DEFAULTS)")
    p.add_argument(
        "--vocab-size",
        type=int,
        default=0,
        help="pad the tiny tokenizer's vocabulary to this size "
        "(151674: InternVL2.5-1B's) so that embedding and LM head weigh what the real model's do",
    )
    p.add_argument("--lr", type=float, default=2e-5)
    p.add_argument("--peak-flops", type=float, default=None, help="peak FLOP/s for MFU (default: table by GPU name, or measured on CPU)")
    p.add_argument("--threads", type=int, default=0, help="torch threads on the CPU (0: torch's default)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--tiny", action="store_true", help="smoke-test settings: 'test' preset, tiny tree, batch 2, 1 step per ratio")
    p.add_argument("--fake-oom-above", type=int, default=0, help=argparse.SUPPRESS)  # dry runs of the batch fallback
    args = p.parse_args()
    apply_tiny(p, args, batch="2", steps=1, warmup=1)
    ratios = [(float(r), layout) for r in args.ratios.split(",") for layout in args.layouts.split(",")]
    sizes = [int(b) for b in args.batch.split(",")]
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit("--device cuda asked for, but torch sees no CUDA device")
    threads = set_threads(args.threads)
    if args.precision == "auto":
        args.precision = "bf16" if device.type == "cuda" and torch.cuda.is_bf16_supported() else "fp32"

    model, tokenizer, attn = build(args, device)
    if "packed" in args.layouts:
        model = EitherLayout.of(model)
    peak, peak_source = peak_flops(device, args.peak_flops)
    for i, size in enumerate(sizes):
        oom = False
        try:
            res = measure(args, model, tokenizer, device, size, ratios, peak)
        except torch.OutOfMemoryError:
            oom = True
        if not oom:
            break
        model.zero_grad(set_to_none=True)
        gc.collect()  # the failed Learner went with its frames
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
        if i == len(sizes) - 1:
            sys.exit(f"out of GPU memory at every batch size tried ({args.batch})")
        print(f"batch {size}: out of GPU memory; trying {sizes[i + 1]}", file=sys.stderr)
    stats = summarise(res, ratios, args.warmup)

    n_tiles = res["batches"][0]["n_tiles"].tolist()
    source = (
        f"one synthetic batch, {args.tiles} tiles per sample"
        if args.synthetic
        else f"recipe {args.recipe!r} of {args.data_root}, first batch's tiles {n_tiles}"
    )
    print(
        f"preset {args.preset} on {device}{' (' + torch.cuda.get_device_name(device) + ')' if device.type == 'cuda' else ''}: "
        f"{sum(p.numel() for p in model.parameters()) / 1e6:.3g}M parameters (vocabulary {len(tokenizer)}), batch {size}, {source}, "
        f"{model.tokens_per_tile} image tokens per tile; data loading {res['load_s']:.3f} s/batch (not timed)"
    )
    print(
        f"attn {attn}, sdpa backend {args.sdpa_backend}, precision {args.precision}, compile {args.compile}, "
        f"grad checkpointing {args.grad_checkpointing}, torch threads {threads}; median of {args.steps} steps per ratio after "
        f"{args.warmup} warm-up; peak {peak or float('nan'):.3g} FLOP/s ({peak_source})"
    )
    print(
        f"{'r':>5} {'layout':>7} {'step s':>8} {'samples/s':>10} {'tokens/s':>10} {'LLM slots':>10} {'TFLOP/s':>9} {'MFU %':>7}"
        f" {'peak GiB':>9} {'speed x':>8} {'FLOP x':>7} {'mem x':>6} {'saved t/F':>9}"
    )
    base = stats[ratios[0]]
    for r in ratios:
        s = stats[r]
        mem = f"{s['peak'] / 2**30:9.2f}" if s["peak"] is not None else f"{'-':>9}"
        mem_x = f"{s['peak'] / base['peak']:6.3f}" if s["peak"] is not None else f"{'-':>6}"
        speed_x, flop_x = s["samples_per_s"] / base["samples_per_s"], s["flops"] / base["flops"]
        # the share of time per sample saved over the share of FLOPs saved: 1 when time follows the FLOPs (paper's goal: >= 0.9)
        saved = f"{(1 - 1 / speed_x) / (1 - flop_x):9.3f}" if flop_x < 1 else f"{'-':>9}"
        print(
            f"{r[0]:5.2f} {r[1]:>7} {s['seconds']:8.3f} {s['samples_per_s']:10.2f} {s['tokens_per_s']:10.0f} {s['slots']:10.0f} "
            f"{s['flops_per_s'] / 1e12:9.4g} {100 * s['mfu']:7.2f} {mem} {speed_x:8.3f} "
            f"{flop_x:7.3f} {mem_x} {saved}"
        )
    print(
        "tokens/s: real input tokens before VRL; LLM slots: positions the LLM computes per step after VRL, padding included; "
        f"speed x, FLOP x, mem x: samples/s, FLOPs per step and peak memory relative to r = {ratios[0][0]:g} {ratios[0][1]}; "
        "saved t/F: time per sample saved ÷ FLOPs saved, both against the reference row ('-' where no FLOPs are saved)"
    )


if __name__ == "__main__":
    main()
