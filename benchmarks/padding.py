"""Padding waste of the pretraining batches: tokens the language model computes per step ÷ real tokens, on the
embedded recipe, for the authors' collation and for ours.

    .venv/bin/python benchmarks/padding.py                       # 300 batches of 8 of the embedded 'vitp' recipe
    .venv/bin/python benchmarks/padding.py --groups 4,16,64 --ratios 0,0.5,0.75

Layouts, each at every VRL ratio r (real tokens = the tokens the LLM has to see: text + kept image tokens):
  (a) the authors: every sample right-padded to --max-length (4096), and after VRL re-padded to it, so nothing is saved;
  (b) ours: VRL compacts each sample, then the batch is padded to its longest sample (vitp.vlm.ViTPModel.forward);
  (c) ours with group_by_length g: RecipeData sorts g batches' worth of samples by a length hint before batching;
  (d) ours with packing (vitp.packing, config packing=true): the kept sequences end to end in one row, nothing padded.
No model runs: the batches are the real RecipeData batches, and the kept counts come from the model's own VRL module."""

import argparse, statistics

# common first: it sets OpenMP up before torch loads
from common import add_data_args, apply_tiny, preset_tokenizer_config, recipe_batches, set_threads, vrl_lengths


GOAL = 1.15


def waste(args, config, tokenizer, ratios: list[float], group: int) -> dict:
    "Over `args.batches` batches: real tokens and computed tokens per step for each ratio (ours and the authors')."
    data = iter(recipe_batches(args, config, tokenizer, args.batch, group_by_length=group, seed=args.seed))
    real = {r: 0 for r in ratios}
    ours = {r: 0 for r in ratios}
    authors = {r: 0 for r in ratios}
    packed = {r: 0 for r in ratios}
    before = []
    for _ in range(args.batches):
        batch = next(data)
        for r in ratios:
            full, seen = vrl_lengths(batch, config, r)
            real[r] += int(seen.sum())
            ours[r] += len(seen) * int(seen.max())
            packed[r] += int(seen.sum())  # one row of the real tokens, each sequence attending to itself
            authors[r] += len(seen) * max(args.max_length, int(full.max()))  # a longer sample is not truncated here
        before += full.tolist()
    return dict(real=real, ours=ours, authors=authors, packed=packed, lengths=before)


def main():
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 2)[2]
    )
    p.add_argument("--preset", default="embedded", help="vitp.vlm preset: its tile size and image tokens per tile (no model is built)")
    add_data_args(p)
    p.add_argument("--batch", type=int, default=8, help="samples per batch (configs/embedded_vitp.json uses 8)")
    p.add_argument("--batches", type=int, default=300)
    p.add_argument("--ratios", default="0,0.75", help="VRL drop ratios")
    p.add_argument("--groups", default="16,64", help="group_by_length values for layout (c), comma-separated")
    p.add_argument("--max-length", type=int, default=4096, help="the authors' fixed padded length")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1, help="torch threads (0: torch's default); nothing heavy runs")
    p.add_argument("--tiny", action="store_true", help="smoke-test settings: 'test' preset, tiny tree, 20 batches of 4, g=4")
    args = p.parse_args()
    apply_tiny(p, args, batch=4, batches=20, groups="4")
    set_threads(args.threads)
    ratios = [float(r) for r in args.ratios.split(",")]
    groups = [int(g) for g in args.groups.split(",") if g.strip()]
    tokenizer, config = preset_tokenizer_config(args.preset)

    plain = waste(args, config, tokenizer, ratios, 0)
    grouped = {g: waste(args, config, tokenizer, ratios, g) for g in groups}

    n = plain["lengths"]
    print(
        f"recipe {args.recipe!r} of {args.data_root} (size {args.data_size}, scale {args.data_scale}), preset {args.preset}: "
        f"{args.batches} batches of {args.batch}; real tokens per sample before VRL: mean {statistics.mean(n):.1f}, "
        f"min {min(n)}, max {max(n)}"
    )
    print(f"{'layout':<44} {'r':>5} {'real tok/step':>14} {'computed/step':>14} {'computed/real':>14}")
    rows = [
        (f"(a) authors: pad to {args.max_length}, re-pad after VRL", "(a)", plain, "authors"),
        ("(b) ours: VRL compaction, pad to batch max", "(b)", plain, "ours"),
    ]
    rows += [(f"(c) ours + group_by_length {g}", f"(c) g={g}", grouped[g], "ours") for g in groups]
    rows += [("(d) ours + packing (one row)", "(d)", plain, "packed")]
    reached = []
    for label, tag, res, key in rows:
        for r in ratios:
            ratio = res[key][r] / res["real"][r]
            print(f"{label:<44} {r:5.2f} {res['real'][r] / args.batches:14.1f} {res[key][r] / args.batches:14.1f} {ratio:14.3f}")
            if key in ("ours", "packed") and ratio <= GOAL:
                reached.append(f"{tag} r={r:g}")
    print(f"goal computed/real <= {GOAL}: " + (f"reached by {', '.join(reached)}" if reached else "not reached by any of our layouts"))


if __name__ == "__main__":
    main()
