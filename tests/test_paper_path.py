"""The paper-scale path as a researcher with InternVL-2.5 weights walks it, through the console scripts, on a stand-in in
the real file layouts: an original-format `OpenGVLab/InternVL2_5-1B` folder (remote-code config, `vision_model.*` /
`mlp1.*` / `language_model.*` in two bf16 shards, Qwen2's real 151,674-token vocabulary; the `test` preset's tiny
widths) → `vitp_convert` → `vitp_pretrain configs/internvl2_5_1b_rs.json` (the paper's config: its recipe, tiles,
system prompt, VRL, drop path, gradient checkpointing, grad accumulation, DeepSpeed ZeRO-1 — here as one process, no
torchrun) on an InternVL meta holding every dataset of the paper's remote-sensing recipe → `final/` →
`vitp_export` (of `final/` and of a step checkpoint, no preset) → `vitp_finetune configs/finetune_loveda.json` on a
LoveDA folder in its real layout (Test without masks); and the authors' released ViT file as `backbone=`.
What the command line is given besides the paper's config: paths, steps=2, batch_size=1, num_workers=0 (two CPU
cores), precision=bf16 (the GPU's `auto`; on CPU `auto` is fp32); to fine-tuning's: steps=2, batch_size=2, img_size=64."""

import json
from pathlib import Path

import pytest
import torch
from PIL import Image
from safetensors import safe_open
from safetensors.torch import load_file

ROOT = Path(__file__).resolve().parent.parent
PAPER_CONFIG = ROOT / "configs" / "internvl2_5_1b_rs.json"
FINETUNE_CONFIG = ROOT / "configs" / "finetune_loveda.json"


def _paper_meta(folder: Path) -> Path:
    """An InternVL meta JSON + JSONL files with every dataset of the paper's remote-sensing recipe (3 records each, on
    images of 1 to 3 tiles), paths relative to the meta's folder."""
    from vitp.formats import MetaEntry, write_jsonl, write_meta
    from vitp.recipe import paper_recipe
    from vitp.synth import general_sample

    sizes = [(56, 56), (112, 56), (56, 112), (84, 84)]
    (folder / "images").mkdir(parents=True)
    for i, size in enumerate(sizes):
        Image.fromarray(general_sample(i, 56)["image"]).resize(size).save(folder / "images" / f"{i}.png")
    turns = {
        "grounding": ("Please provide the bounding box of the ship.", "<ref>ship</ref><box>[[12, 40, 300, 512]]</box>"),
        "vqa": ("How many storage tanks are there?", "There are 3 storage tanks."),
        "cls": ("What is the scene?", "harbor"),
        "caption": ("Describe the image.", "图中有一个港口和三艘船。"),
    }
    entries = []
    for j, dataset in enumerate(paper_recipe("remote_sensing")):
        q, a = turns[dataset.tasks[0]]
        records = [
            {
                "id": k,
                "image": f"{(j + k) % len(sizes)}.png",
                "conversations": [{"from": "human", "value": f"<image>\n{q}"}, {"from": "gpt", "value": a}],
            }
            for k in range(3)
        ]
        write_jsonl(folder / f"{j}.jsonl", records)
        entries.append(MetaEntry(dataset.name, folder / "images", folder / f"{j}.jsonl", len(records)))
    return write_meta(folder / "meta.json", entries)


def _loveda(root: Path) -> Path:
    "A LoveDA folder in its real layout: Train / Val / Test × Urban / Rural, images_png + masks_png, Test without masks."
    from vitp.formats import write_loveda
    from vitp.synth import land_cover

    for s, (split, domain) in enumerate((sp, d) for sp in ("Train", "Val", "Test") for d in ("Urban", "Rural")):
        lc = land_cover(s, 64)
        write_loveda(root, split, domain, str(s), lc["image"], None if split == "Test" else lc["mask"])
    return root


def _tower(vlm, x: torch.Tensor) -> torch.Tensor:
    "The last hidden state of an InternVL model's vision tower, computed in fp32 (the tower is cast in place)."
    tower = vlm.model.vision_tower.float().eval()
    with torch.no_grad():
        return tower(pixel_values=x).last_hidden_state


def _finetune(cli, backbone, data: Path, out: Path, *extra) -> dict:
    """`vitp_finetune configs/finetune_loveda.json` for 2 steps of 2 images (UperNet's BatchNorm needs 2) at 64 px on
    `data` from `backbone`; its results.json."""
    cli(
        "vitp_finetune",
        FINETUNE_CONFIG,
        f"backbone={backbone}",
        f"data={data}",
        "steps=2",
        "batch_size=2",
        "img_size=64",
        f"out_dir={out}",
        *extra,
        in_process=True,
    )
    results = json.loads((out / "results.json").read_text())
    assert results["steps"] == 2 and results["backbone"] == {**results["backbone"], "kind": "pretrained", "path": str(backbone)}
    assert list(results["metrics"]) == ["val"] and 0 <= results["metrics"]["val"]["mIoU"] <= 1  # eval and test: Val (Test has no masks)
    assert (out / "checkpoints" / "step-0000002" / "model.safetensors").exists()
    return results


@pytest.mark.slow
def test_paper_path(tmp_path, cli):
    from transformers import AutoProcessor, InternVLConfig, InternVLForConditionalGeneration
    from vitp.convert import fabricate_original_internvl, qwen2_tokenizer, reference_internvl_logits
    from vitp.export import load_vit
    from vitp.finetune import build_vit
    from vitp.vlm import IMG_CONTEXT, encode_conversation

    paper = json.loads(PAPER_CONFIG.read_text())
    x = torch.randn(2, 3, 56, 56, generator=torch.Generator().manual_seed(0))

    # the original format, as OpenGVLab ships it (bf16), converted on the command line
    orig = fabricate_original_internvl(tmp_path / "InternVL2_5-1B", tokenizer=qwen2_tokenizer(), dtype=torch.bfloat16, max_tiles=12)
    hf = tmp_path / "InternVL2_5-1B-hf"
    assert "torch.bfloat16" in cli("vitp_convert", orig, hf, in_process=True)
    config = InternVLConfig.from_pretrained(hf)
    with torch.device("meta"):
        expected = {k: v.shape for k, v in InternVLForConditionalGeneration(config).state_dict().items()}
    converted = {}
    for f in sorted(hf.glob("*.safetensors")):
        converted |= load_file(str(f))
    assert {k: v.shape for k, v in converted.items()} == expected and {v.dtype for v in converted.values()} == {torch.bfloat16}
    assert sorted(p.name for p in hf.glob("*.safetensors")) == sorted(p.name for p in orig.glob("*.safetensors"))  # sharded as the source
    model = InternVLForConditionalGeneration.from_pretrained(hf, dtype=torch.float32).eval()
    proc = AutoProcessor.from_pretrained(hf)
    messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "图中有几艘船？How many ships?"}]}]
    picture = Image.open(_paper_meta(tmp_path / "data").parent / "images" / "1.png")  # 112 × 56: a 2 × 1 grid and the thumbnail
    inputs = proc(text=proc.apply_chat_template(messages, tokenize=False), images=[picture], return_tensors="pt")
    assert len(inputs["pixel_values"]) == 3
    with torch.no_grad():
        got = model(input_ids=inputs["input_ids"], pixel_values=inputs["pixel_values"]).logits
    ref = reference_internvl_logits(orig, inputs["input_ids"], inputs["pixel_values"], config.image_token_id)
    torch.testing.assert_close(got, ref, atol=1e-5, rtol=0)

    # pretraining with the paper's config; only paths, length and what two CPU cores need are overridden
    meta, run = tmp_path / "data" / "meta.json", tmp_path / "runs" / "internvl2_5_1b_rs"
    overrides = dict(model=str(hf), meta=str(meta), out_dir=str(run), steps=2, batch_size=1, num_workers=0, precision="bf16")
    printed = cli("vitp_pretrain", PAPER_CONFIG, *(f"{k}={v}" for k, v in overrides.items()))
    assert "recipe 'paper_remote_sensing': rates from the recipe" in printed  # the paper's recipe over the meta's datasets
    recorded = json.loads((run / "config.json").read_text())
    assert {k: recorded[k] for k in {**paper, **overrides}} == {**paper, **overrides}  # DeepSpeed ZeRO-1, grad_accum 4, tiles 6, …
    step = run / "checkpoints" / "step-0000002"
    assert (step / "deepspeed").is_dir()  # ZeRO's optimizer state: DeepSpeed ran, as one process
    logged = [json.loads(l) for l in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in logged] == [1, 2] and all(r["samples"] == paper["grad_accum"] for r in logged)  # 4 micro-batches of 1

    # final/: a complete transformers folder in the training dtype, the step's weights, the run's processor
    final = run / "final"
    trained = InternVLForConditionalGeneration.from_pretrained(final)
    assert trained.dtype == torch.bfloat16 and {t.dtype for t in load_file(str(final / "model.safetensors")).values()} == {torch.bfloat16}
    assert {
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "processor_config.json",
        "chat_template.jinja",
    } <= {p.name for p in final.iterdir()}
    # transformers saves its InternVL under the Hub's -hf names (language_model.model.*, …): compared as loaded
    weights, checkpoint = trained.state_dict(), load_file(str(step / "model.safetensors"))
    assert weights.keys() == converted.keys() and all(torch.equal(weights[k], checkpoint["vlm." + k].to(torch.bfloat16)) for k in weights)
    assert any(not torch.equal(weights[k], converted[k]) for k in weights)  # it trained
    final_proc = AutoProcessor.from_pretrained(final)
    assert (len(final_proc.tokenizer), final_proc.image_seq_length, final_proc.image_processor.max_patches) == (
        151_674,
        4,
        paper["max_tiles"],
    )
    conv = [
        {"from": "human", "value": "<image>\nPlease provide the bounding box of the ship."},
        {"from": "gpt", "value": "<ref>ship</ref><box>[[12, 40, 300, 512]]</box>"},
    ]
    out = final_proc(
        text=final_proc.apply_chat_template(
            [{"role": {"human": "user", "gpt": "assistant"}[t["from"]], "content": t["value"]} for t in conv], tokenize=False
        ),
        images=[picture],
        return_tensors="pt",
    )
    ids = encode_conversation(conv, final_proc.tokenizer, [len(out["pixel_values"]) * 4], system=paper["system"])["input_ids"]
    assert out["input_ids"][0].tolist() == ids.tolist()  # the processor encodes as training did: the paper's system prompt, tiles
    assert final_proc.tokenizer.convert_tokens_to_ids(IMG_CONTEXT) == trained.config.image_token_id == 151667

    # the ViT out: of final/ and of the step checkpoint (no preset: the run recorded its model config)
    cli("vitp_export", final, tmp_path / "vit", in_process=True)
    cli("vitp_export", step, tmp_path / "vit-step", in_process=True)
    exported, from_step = (load_file(str(tmp_path / v / "model.safetensors")) for v in ("vit", "vit-step"))
    assert exported.keys() == from_step.keys() and all(torch.equal(exported[k], from_step[k]) for k in exported)  # both bf16, equal
    assert {t.dtype for t in exported.values()} == {torch.bfloat16}
    vit = load_vit(tmp_path / "vit").eval()  # timm, strict
    with torch.no_grad():
        features = vit.forward_features(x)
    torch.testing.assert_close(features, _tower(trained, x), atol=1e-5, rtol=0)

    # downstream: the paper's LoveDA fine-tuning config from the exported ViT, whose weights it starts from
    downstream = build_vit(tmp_path / "vit-step", img_size=64)[0].eval()
    with torch.no_grad():
        torch.testing.assert_close(downstream.forward_features(x), features, atol=1e-5, rtol=0)
    results = _finetune(cli, tmp_path / "vit-step", _loveda(tmp_path / "LoveDA"), tmp_path / "finetune")
    assert results["params"]["backbone"] == sum(t.numel() for t in from_step.values())


@pytest.mark.slow
def test_authors_vit_as_backbone(tmp_path, cli):
    "The authors' released ViT file (InternViT keys, as `vision_model.save_pretrained` writes them) is a `backbone=` as it is."
    from vitp.convert import fabricate_authors_vit, reference_internvit
    from vitp.finetune import build_vit

    authors = fabricate_authors_vit(tmp_path / "ViTP_ViT_L_300M_rs.safetensors")
    with safe_open(str(authors), framework="pt") as f:
        assert not any(k.startswith("vision_model.") for k in f.keys())
    x = torch.randn(2, 3, 56, 56, generator=torch.Generator().manual_seed(1))
    vit = build_vit(authors, img_size=64, num_heads=2)[0].eval()  # the test preset's width (32) is not in INTERNVIT_HEADS
    with torch.no_grad():
        torch.testing.assert_close(vit.forward_features(x), reference_internvit(load_file(str(authors)), x, heads=2), atol=1e-5, rtol=0)
    _finetune(cli, authors, _loveda(tmp_path / "LoveDA"), tmp_path / "finetune", "backbone_heads=2")
