"""Checkpoints in and out through the console scripts settings.ini registers: an original-format InternVL-2.5 folder →
`vitp_convert` → `vitp_pretrain` (2 steps, bf16 autocast on CPU) → `final/` loads with `AutoProcessor` and
`InternVLForConditionalGeneration` → `vitp_export` of a step checkpoint with no preset (the run recorded its model
config), whose features are that step's vision tower's; `vitp_export` of the authors' InternViT file."""

import json
from pathlib import Path

import pytest
import torch
from PIL import Image
from safetensors.torch import load_file


def _toy_data(folder: Path) -> tuple[Path, Path]:
    "An InternVL meta + JSONL of 8 one-image samples at 56 px, and a recipe over it."
    from vitp.formats import MetaEntry, write_jsonl, write_meta, read_meta
    from vitp.recipe import Recipe
    from vitp.synth import general_sample

    (folder / "img").mkdir(parents=True)
    records = []
    for i in range(8):
        s = general_sample(i, 56)
        Image.fromarray(s["image"]).save(folder / "img" / f"{i}.png")
        records.append(
            {
                "id": i,
                "image": f"img/{i}.png",
                "conversations": [{"from": "human", "value": "<image>\nWhat is this?"}, {"from": "gpt", "value": s["label"]}],
            }
        )
    write_jsonl(folder / "cls.jsonl", records)
    write_meta(folder / "meta.json", [MetaEntry("cls", folder, folder / "cls.jsonl", len(records), repeat_time=1.0)])
    Recipe.from_meta(read_meta(folder / "meta.json"), name="toy").save(folder / "recipe.json")
    return folder / "meta.json", folder / "recipe.json"


def _tower_features(config, state: dict, prefix: str, x: torch.Tensor) -> torch.Tensor:
    "The last hidden state of an InternVL vision tower built from `config` with the tensors of `state` under `prefix`."
    from transformers import InternVLVisionModel

    tower = InternVLVisionModel(config.vision_config).eval()
    tower.load_state_dict({k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)})
    with torch.no_grad():
        return tower(pixel_values=x).last_hidden_state


@pytest.mark.slow
def test_convert_pretrain_export(tmp_path, cli):
    from transformers import AutoProcessor, InternVLConfig, InternVLForConditionalGeneration
    from vitp.convert import fabricate_authors_vit, fabricate_original_internvl
    from vitp.export import load_vit
    from vitp.vlm import tiny_tokenizer

    orig = fabricate_original_internvl(tmp_path / "InternVL2_5-tiny", tokenizer=tiny_tokenizer(), dtype=torch.bfloat16)
    assert "InternVLForConditionalGeneration" in cli("vitp_convert", orig, tmp_path / "hf")
    meta, recipe = _toy_data(tmp_path / "data")
    run = tmp_path / "run"
    config = dict(
        model=str(tmp_path / "hf"),
        meta=str(meta),
        recipe=str(recipe),
        steps=2,
        batch_size=2,
        grad_accum=1,
        lr=1e-2,
        warmup_ratio=0.0,
        drop_ratio=0.75,
        vit_drop_path=0.0,
        checkpoint_every=1,
        keep_last=2,
        precision="bf16",
        plot=False,
        out_dir=str(run),
    )
    (tmp_path / "pretrain.json").write_text(json.dumps(config))
    cli("vitp_pretrain", tmp_path / "pretrain.json")

    final = run / "final"
    model = InternVLForConditionalGeneration.from_pretrained(final)
    assert model.dtype == torch.bfloat16 and {t.dtype for t in load_file(str(final / "model.safetensors")).values()} == {torch.bfloat16}
    assert type(AutoProcessor.from_pretrained(final)).__name__ == "InternVLProcessor"
    recorded = InternVLConfig.from_dict(json.loads((run / "vlm_config.json").read_text()))

    x = torch.randn(2, 3, 56, 56, generator=torch.Generator().manual_seed(0))
    features = {}
    for step in ("step-0000001", "step-0000002"):
        ckpt = run / "checkpoints" / step
        cli("vitp_export", ckpt, tmp_path / f"vit-{step}")  # no preset: the run's vlm_config.json
        with torch.no_grad():
            features[step] = load_vit(tmp_path / f"vit-{step}").eval().forward_features(x)
        expected = _tower_features(recorded, load_file(str(ckpt / "model.safetensors")), "vlm.model.vision_tower.", x)
        torch.testing.assert_close(features[step], expected, atol=1e-5, rtol=0)
    assert (features["step-0000001"] - features["step-0000002"]).abs().max() > 1e-4  # each export is its own step's weights
    exported = json.loads((tmp_path / "vit-step-0000002" / "config.json").read_text())
    assert exported["source"]["kind"] == "vitp-checkpoint" and exported["source"]["config"] == str(run / "vlm_config.json")

    authors = fabricate_authors_vit(tmp_path / "ViTP_ViT_L_300M_rs.safetensors")
    assert "patch 14" in cli("vitp_export", authors, tmp_path / "vit-authors", "--num_heads", "2")
    assert load_vit(tmp_path / "vit-authors").embed_dim == 32
