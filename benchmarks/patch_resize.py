"""The authors' 14 → 16 patch-kernel resize, measured on one downstream task: the same pretrained ViT exported with
its own 14-px patches, with the kernel resized bicubically to 16 px (the ViTP/InternVL downstream code), and with
the pseudo-inverse resize (timm / FlexiViT); each fine-tuned with the same settings over several seeds.

    .venv/bin/python benchmarks/patch_resize.py                        # runs/embedded/vitp/final, loveda, 3 seeds
    .venv/bin/python benchmarks/patch_resize.py --source MODEL --task medical --seeds 0,1,2,3,4 --steps 120

Every variant sees the same image area: fine-tuning crops are sized to give an H/16 grid whatever the patch
(`vitp.finetune.build_vit`), so at --img-size 128 the 14-px ViT reads 112-px crops and the 16-px ones 128-px crops
of the same content scale. Prints each variant's test metric (mean ± 95 % t-interval over seeds) and its
difference to the 14-px export, seed by seed (paired)."""

import argparse, json, time
from pathlib import Path

from common import TINY_DATA  # first: it sets OpenMP up before torch loads
import numpy as np
from scipy import stats

from vitp.experiments import toy_finetune
from vitp.export import export_vit
from vitp.finetune import finetune, task_spec

VARIANTS = {
    "patch 14 (no resize)": ("p14", dict(patch_size=None)),  # name: (folder, export_vit policy)
    "patch 16, bicubic (authors)": ("p16_bicubic", dict(patch_size=16, patch_resize="bicubic")),
    "patch 16, pseudo-inverse": ("p16_pi", dict(patch_size=16, patch_resize="pi")),
}


def interval(values: list[float]) -> str:
    v = np.asarray(values, float)
    if len(v) < 2:
        return f"{v.mean():.4f}"
    half = stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v))
    return f"{v.mean():.4f} ± {half:.4f}"


def main():
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n\n".join(__doc__.split("\n\n")[1:]),
    )
    p.add_argument("--source", default="runs/embedded/vitp/final", help="a VLM folder (a pretraining run's final/) to export")
    p.add_argument("--task", default="loveda")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--img-size", type=int, default=128)
    p.add_argument("--data-root", default="data/embedded")
    p.add_argument("--work", default="runs/patch_resize")
    p.add_argument("--data-size", type=int, default=224)
    p.add_argument("--data-scale", type=float, default=1.0)
    p.add_argument("--tiny", action="store_true", help="2 steps of 2 at 64 px, one seed, the smallest tree (a smoke test)")
    args = p.parse_args()
    if args.tiny:
        args.steps, args.batch, args.seeds, args.img_size, args.data_size, args.data_scale = (
            2,
            2,
            "0",
            64,
            TINY_DATA["data_size"],
            TINY_DATA["data_scale"],
        )
    seeds, work = [int(s) for s in args.seeds.split(",")], Path(args.work)
    if not Path(args.source).is_dir():
        raise SystemExit(f"--source {args.source} is not a folder: run `make demo` first, or pass a VLM folder")
    metric = task_spec(args.task).metric
    scores = {}
    for name, (folder, policy) in VARIANTS.items():
        vit = export_vit(args.source, work / folder / "vit", overwrite=True, **policy)
        cfg = toy_finetune(
            args.task,
            args.img_size,
            args.steps,
            args.batch,
            args.lr,
            data_root=args.data_root,
            data_size=args.data_size,
            data_scale=args.data_scale,
            backbone=str(vit),
            arch=str(vit),
        )
        scores[name] = []
        for seed in seeds:
            t0 = time.perf_counter()
            res = finetune(cfg, seed=seed, out_dir=str(work / folder / f"finetune_seed{seed}"))
            scores[name].append(res["metrics"]["test"][metric])
            print(f"{name}, seed {seed}: test {metric} {scores[name][-1]:.4f} ({time.perf_counter() - t0:.0f} s)", flush=True)
    base = scores["patch 14 (no resize)"]
    print(f"\n{args.task} test {metric}, {args.steps} fine-tuning steps of {args.batch}, seeds {seeds}, from {args.source}")
    print(f"{'variant':30s} {'mean ± 95 % CI':>20s} {'paired diff vs 14':>22s}")
    for name, vals in scores.items():
        diff = "—" if vals is base else interval([a - b for a, b in zip(vals, base)])
        print(f"{name:30s} {interval(vals):>20s} {diff:>22s}")
    print(json.dumps({"task": args.task, "metric": metric, "seeds": seeds, "scores": scores}))


if __name__ == "__main__":
    main()
