"""Pieces the benchmark scripts share: the embedded recipe as batches, the sequence lengths VRL leaves, thread setup.

Not a script. The scripts in this folder import it as `common` (Python puts a script's own folder first on sys.path),
before torch, so that its OpenMP setting takes effect."""

import argparse, os
from pathlib import Path

# Before torch loads OpenMP: idle OpenMP threads sleep instead of spinning. On a shared 2-core machine spinning threads
# fight other processes for the cores, and a training step with 2 threads ran 3-5x slower than with this setting.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import torch

from vitp.embedded import write_embedded
from vitp.formats import read_meta
from vitp.pretrain import RecipeData
from vitp.vlm import IMG_CONTEXT, preset_config, tiny_tokenizer, tokens_per_tile
from vitp.vrl import VisualRobustnessDrop

TINY_DATA = dict(data_size=64, data_scale=0.1)  # the smallest embedded tree: written in seconds


def add_data_args(p: argparse.ArgumentParser) -> None:
    "The arguments that choose the embedded tree and the recipe."
    p.add_argument("--data-root", default="data/embedded", help="embedded tree folder; written there first if absent (about a minute)")
    p.add_argument("--data-size", type=int, default=224, help="image side of the embedded tree")
    p.add_argument("--data-scale", type=float, default=1.0, help="dataset sizes of the embedded tree, relative")
    p.add_argument("--recipe", default="vitp", help="recipe of the embedded tree: vitp or general")


def apply_tiny(p: argparse.ArgumentParser, args: argparse.Namespace, **settings) -> None:
    "`--tiny`: the 'test' preset on the smallest embedded tree plus each script's small `settings`, where not given explicitly."
    if not args.tiny:
        return
    settings = dict(preset="test", data_root="data/embedded-tiny", **TINY_DATA, **settings)
    for k, v in settings.items():
        if getattr(args, k) == p.get_default(k):
            setattr(args, k, v)


def set_threads(n: int) -> int:
    "Use `n` torch threads (0: torch's default); the number in use."
    if n:
        torch.set_num_threads(n)
    return torch.get_num_threads()


def recipe_batches(args: argparse.Namespace, config, tokenizer, batch_size: int, group_by_length: int = 0, seed: int = 0) -> RecipeData:
    "The pretraining loop's own data: collated batches of the embedded tree's recipe, as `vitp.pretrain.pretrain` makes them."
    tree = write_embedded(Path(args.data_root), size=args.data_size, scale=args.data_scale)
    return RecipeData(
        tree.load_recipe(args.recipe), read_meta(tree.meta), tokenizer, config, batch_size, seed=seed, group_by_length=group_by_length
    )


def preset_tokenizer_config(preset: str, attn_implementation: str | None = None):
    "The tiny tokenizer and a preset's config, without building the model (enough to tile, encode and count FLOPs)."
    tok = tiny_tokenizer()
    return tok, preset_config(preset, len(tok), tok.convert_tokens_to_ids(IMG_CONTEXT), attn_implementation)


def vrl_lengths(batch: dict, config, ratio: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Per sample: real tokens before VRL, and the tokens the LLM sees after it (text + kept image tokens).

    The kept count comes from the model's own `VisualRobustnessDrop` (per-sample granularity keeps exactly ⌈(1−r)·n⌉)."""
    real = batch["attention_mask"].sum(1)
    n_image = ((batch["input_ids"] == config.image_token_id) & batch["attention_mask"].bool()).sum(1)
    kept = VisualRobustnessDrop(ratio, tile_tokens=tokens_per_tile(config)).mask(n_image).sum(1) if n_image.any() else n_image
    return real, real - n_image + kept
