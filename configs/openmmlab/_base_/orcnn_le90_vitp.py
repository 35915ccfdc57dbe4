# Oriented R-CNN (le90) on vitp's exported ViT in a ViT-Adapter: mmrotate's own Oriented R-CNN config with the
# ResNet swapped for `VitpBackbone` and the optimizer the paper's downstream code uses.
#   paper §3.4 / C.2.2: the pretrained ViT "integrated into a standard ViT-Adapter", Oriented R-CNN for oriented
#   boxes, 12-epoch (1x) schedule; authors' code: InternViT-300M, interactions [[0,7],[8,11],[12,15],[16,23]],
#   deformable attention 16 heads × 4 points, AdamW lr 2.5e-5, layer-wise lr decay 0.9.
# Not stated by the paper, chosen here: drop path 0.1 (as vitp's finetune configs), weight decay 0.05 (ViT-Adapter's).
# The datasets, image sizes and class counts are set by the configs that inherit this one.
_base_ = 'mmrotate::oriented_rcnn/oriented-rcnn-le90_r50_fpn_1x_dota.py'
custom_imports = dict(imports=['vitp.openmmlab'], allow_failed_imports=False)

model = dict(
    # ImageNet statistics: what every vitp export records in its config.json (mean, std)
    data_preprocessor=dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True, pad_size_divisor=32),
    backbone=dict(
        _delete_=True,
        type='VitpBackbone',
        # a ViT exported by `vitp_export` (the authors resize InternViT's 14 px patch kernel to 16: --patch_size 16)
        backbone='runs/vitp_rs/vit',
        arch='internvl2_5-1b',
        img_size=1024,
        drop_path=0.1,
        neck='adapter',
        neck_args=dict(interaction_indexes=[[0, 7], [8, 11], [12, 15], [16, 23]], deform_heads=16, n_points=4)),
    neck=dict(in_channels=[1024, 1024, 1024, 1024]))

optim_wrapper = dict(
    constructor='VitpLayerDecay',
    paramwise_cfg=dict(decay_rate=0.9),
    optimizer=dict(_delete_=True, type='AdamW', lr=2.5e-5, betas=(0.9, 0.999), weight_decay=0.05),
    clip_grad=dict(max_norm=35, norm_type=2))
