"""The optional OpenMMLab path (`make openmmlab`): mmrotate's Oriented R-CNN and mmseg's UperNet on vitp's backbone
train and predict on the embedded data through the toy configs, and the paper configs carry the paper's settings.
Run with `pytest tests/test_openmmlab.py --openmmlab` (or VITP_OPENMMLAB=1); asked for without the packages, they fail."""

import importlib, math
from pathlib import Path

import pytest
import torch

from vitp.embedded import write_embedded
from vitp.export import export_vit, load_vit
from vitp.formats import LOVEDA_CLASSES
from vitp.synth import RS_CLASSES
from vitp.vlm import build_vlm

pytestmark = [pytest.mark.openmmlab, pytest.mark.slow]
CONFIGS = Path(__file__).resolve().parents[1] / "configs" / "openmmlab"
FIXED_BATCH_STEPS = 8
PAPER_INTERACTIONS = [[0, 7], [8, 11], [12, 15], [16, 23]]


def _require_openmmlab():
    from vitp.openmmlab import require_openmmlab

    try:
        require_openmmlab()
    except ImportError as e:
        pytest.fail(f"--openmmlab asked for, but {e}")


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    "The embedded tree at 224 px, a tenth of its size, under $VITP_DATA/embedded; the `test` preset's ViT exported."
    root = tmp_path_factory.mktemp("openmmlab")
    write_embedded(root / "data" / "embedded", size=224, scale=0.1, workers=1)
    return root / "data", export_vit(build_vlm("test", seed=0)[0], root / "vit")


def _toy_runner(config: str, toy, monkeypatch, work_dir: Path, options: dict):
    "The toy config on the `test` ViT (width 32), with a constant lr so the fixed-batch steps below move."
    _require_openmmlab()
    from vitp.openmmlab import build_runner

    data, vit = toy
    monkeypatch.setenv("VITP_DATA", str(data))
    base = {
        "model.backbone.backbone": str(vit),
        "model.backbone.drop_path": 0.0,
        "model.backbone.neck_args": dict(conv_inplane=16),
        "optim_wrapper.optimizer.lr": 5e-4,
        "param_scheduler": [dict(type="ConstantLR", factor=1.0, by_epoch=False, begin=0, end=1)],
        "default_hooks.checkpoint": None,
        "randomness": dict(seed=0),
        # no validation while training: runner.test() below evaluates once (mmrotate's metric spawns 4 processes)
        "val_cfg": None,
        "val_dataloader": None,
        "val_evaluator": None,
    }
    return build_runner(CONFIGS / config, work_dir, {**base, **options})


def _check_backbone_then_train(runner, vit: Path):
    "The exported weights reach the model through OpenMMLab's init, and training moves them."
    backbone = runner.model.backbone
    assert type(backbone).__name__ == "VitpBackbone"
    prep = runner.model.data_preprocessor  # the config normalises as the export says
    assert torch.allclose(prep.mean.flatten(), torch.tensor(backbone.pixel_mean)) and torch.allclose(
        prep.std.flatten(), torch.tensor(backbone.pixel_std)
    )
    runner.model.init_weights()
    exported = load_vit(vit, img_size=196).state_dict()  # 224 px → 14 × 14 patch-14 tokens, as build_vit resamples
    assert all(torch.equal(v, exported[k]) for k, v in backbone.vit.state_dict().items())
    runner.train()
    assert not torch.equal(backbone.vit.blocks[0].attn.qkv.weight, exported["blocks.0.attn.qkv.weight"])


def _fixed_batch_losses(runner) -> list[float]:
    "Total loss of FIXED_BATCH_STEPS training steps on one batch, with the runner's optimizer (layer decay, clipping)."
    batch = next(iter(runner.train_dataloader))
    runner.model.train()
    torch.manual_seed(0)
    return [float(runner.model.train_step(batch, runner.optim_wrapper)["loss"]) for _ in range(FIXED_BATCH_STEPS)]


def _assert_learns(losses: list[float]):
    assert all(math.isfinite(l) for l in losses), losses
    first, last = sum(losses[:3]) / 3, sum(losses[-3:]) / 3
    assert last < 0.8 * first, f"the loss on a fixed batch did not fall: {losses}"


def test_oriented_rcnn_trains_and_predicts(toy, monkeypatch, tmp_path):
    runner = _toy_runner(
        "toy_sar_det_orcnn.py", toy, monkeypatch, tmp_path, {"model.neck.in_channels": [32] * 4, "train_cfg.max_epochs": 1}
    )
    _check_backbone_then_train(runner, toy[1])
    _assert_learns(_fixed_batch_losses(runner))

    runner.model.eval()
    batch = next(iter(runner.test_dataloader))
    with torch.no_grad():
        preds = runner.model.test_step(batch)
    assert runner.test_dataloader.dataset.metainfo["classes"] == RS_CLASSES
    for p in preds:
        inst = p.pred_instances
        assert tuple(p.ori_shape) == (224, 224)
        assert isinstance(inst.bboxes, torch.Tensor) and inst.bboxes.shape == (len(inst.labels), 5), "oriented boxes (cx, cy, w, h, angle)"
        assert bool(((inst.labels >= 0) & (inst.labels < len(RS_CLASSES))).all())
        assert bool(((inst.scores >= 0.05) & (inst.scores <= 1)).all()), "scores above the config's score_thr"
        assert bool(((inst.bboxes[:, 4] >= -math.pi / 2) & (inst.bboxes[:, 4] < math.pi / 2)).all()), "le90 angles, radians in [-π/2, π/2)"
    metrics = runner.test()
    assert 0 <= metrics["dota/mAP"] <= 1, metrics


def test_upernet_trains_and_predicts(toy, monkeypatch, tmp_path):
    runner = _toy_runner(
        "toy_loveda_upernet.py",
        toy,
        monkeypatch,
        tmp_path,
        {
            "model.decode_head.in_channels": [32] * 4,
            "model.auxiliary_head.in_channels": 32,
            "train_cfg.max_iters": 3,
            "train_cfg.val_interval": 1000,
        },
    )
    _check_backbone_then_train(runner, toy[1])
    _assert_learns(_fixed_batch_losses(runner))

    runner.model.eval()
    batch = next(iter(runner.test_dataloader))
    with torch.no_grad():
        preds = runner.model.test_step(batch)
    n = len(LOVEDA_CLASSES)
    assert len(runner.test_dataloader.dataset.metainfo["classes"]) == n
    for p in preds:
        assert tuple(p.pred_sem_seg.data.shape) == (1, 224, 224)
        assert tuple(p.seg_logits.data.shape) == (n, 224, 224)
        assert set(p.pred_sem_seg.data.unique().tolist()) <= set(range(n))
        assert torch.equal(p.pred_sem_seg.data[0], p.seg_logits.data.argmax(0))
    metrics = runner.test()
    assert 0 <= metrics["mIoU"] <= 100, metrics


DET = {"dota2_orcnn_le90_vitp.py": (18, 1024), "dior_r_orcnn_le90_vitp.py": (20, 1024), "rsar_orcnn_le90_vitp.py": (6, 800)}
SEG = {"isaid_upernet_vitp.py": (16, 896), "loveda_upernet_vitp.py": (7, 512), "uavid_upernet_vitp.py": (8, 1024)}


def _leaf(dataset: dict) -> dict:
    "A dataset config, or a ConcatDataset's first member."
    return _leaf(dataset["datasets"][0]) if dataset["type"] == "ConcatDataset" else dataset


def _classes(scope: str, dataset: dict) -> tuple:
    "The classes a dataset config declares: its metainfo, else its type's."
    leaf = _leaf(dataset)
    declared = (leaf.get("metainfo") or {}).get("classes")
    return tuple(declared or importlib.import_module(f"{scope}.registry").DATASETS.get(leaf["type"]).METAINFO["classes"])


@pytest.mark.parametrize("name", [*DET, *SEG])
def test_paper_configs_carry_the_papers_settings(name, monkeypatch):
    _require_openmmlab()
    from mmengine.config import Config

    monkeypatch.delenv("VITP_DATA", raising=False)
    cfg = Config.fromfile(str(CONFIGS / name))
    m = cfg.model
    assert (m.backbone.type, m.backbone.arch, m.backbone.neck) == ("VitpBackbone", "internvl2_5-1b", "adapter")
    assert (m.backbone.neck_args.interaction_indexes, m.backbone.neck_args.deform_heads, m.backbone.neck_args.n_points) == (
        PAPER_INTERACTIONS,
        16,
        4,
    )
    assert (cfg.optim_wrapper.constructor, cfg.optim_wrapper.paramwise_cfg.decay_rate, cfg.optim_wrapper.optimizer.type) == (
        "VitpLayerDecay",
        0.9,
        "AdamW",
    )
    assert _leaf(cfg.train_dataloader.dataset).data_root.startswith("data/"), "$VITP_DATA unset: the default data folder"
    if name in DET:
        n, size = DET[name]
        assert (m.roi_head.bbox_head.num_classes, len(_classes("mmrotate", cfg.train_dataloader.dataset))) == (n, n)
        assert m.backbone.img_size == size
        assert all(t.scale == (size, size) for t in cfg.train_dataloader.dataset.get("pipeline", []) if t.type == "mmdet.Resize")
        assert (m.neck.in_channels, m.rpn_head.bbox_coder.angle_version, cfg.train_cfg.max_epochs) == ([1024] * 4, "le90", 12)
        assert cfg.optim_wrapper.optimizer.lr == 2.5e-5
    else:
        n, size = SEG[name]
        assert (m.decode_head.num_classes, m.auxiliary_head.num_classes, len(_classes("mmseg", cfg.train_dataloader.dataset))) == (n, n, n)
        assert (m.backbone.img_size, tuple(m.data_preprocessor.size)) == (size, (size, size))
        assert (m.decode_head.in_channels, cfg.train_cfg.max_iters) == ([1024] * 4, 80000)


def test_deformable_attention_matches_mmcv():
    """vitp's pure-PyTorch multi-scale deformable attention against mmcv's own PyTorch reference, on random inputs with points
    outside the maps."""
    _require_openmmlab()
    from mmcv.ops.multi_scale_deform_attn import multi_scale_deformable_attn_pytorch
    from vitp.adapter import ms_deform_attn

    g = torch.Generator().manual_seed(0)
    shapes = [(8, 6), (4, 3), (2, 2)]
    B, Q, M, D, P = 2, 5, 4, 8, 3
    value = torch.randn(B, sum(h * w for h, w in shapes), M, D, generator=g, dtype=torch.float64)
    locations = torch.rand(B, Q, M, len(shapes), P, 2, generator=g, dtype=torch.float64) * 1.4 - 0.2  # some outside [0, 1]
    weights = torch.rand(B, Q, M, len(shapes), P, generator=g, dtype=torch.float64).softmax(-1)
    ours = ms_deform_attn(value, shapes, locations, weights)
    theirs = multi_scale_deformable_attn_pytorch(value, torch.tensor(shapes), locations, weights)
    assert ours.shape == theirs.shape == (B, Q, M * D)
    torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-12)
