# UperNet on vitp's exported ViT in a ViT-Adapter, with an auxiliary FCN head on the stride-16 level (mmsegmentation's
# UperNet, written out: onedl-mmengine cannot resolve `mmseg::` bases because the package is named
# onedl-mmsegmentation).
#   paper §3.4 / C.2.3: the pretrained ViT "integrated into a standard ViT-Adapter", UperNet for semantic
#   segmentation; authors' code: 80k iterations, InternViT-300M with interactions [[0,7],[8,11],[12,15],[16,23]],
#   deformable attention 16 heads × 4 points, layer-wise lr decay 0.9.
# Not stated by the paper, chosen here: AdamW lr 6e-5, weight decay 0.01, 1500 linear warm-up iterations then poly
# decay (mmsegmentation's schedule for transformer UperNets), drop path 0.1 (as vitp's finetune configs).
# The datasets, crop sizes and class counts are set by the configs that inherit this one.
custom_imports = dict(imports=['vitp.openmmlab'], allow_failed_imports=False)
default_scope = 'mmseg'
norm_cfg = dict(type='SyncBN', requires_grad=True)

model = dict(
    type='EncoderDecoder',
    # ImageNet statistics: what every vitp export records in its config.json; test images padded to a multiple of 32
    data_preprocessor=dict(type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True,
                           pad_val=0, seg_pad_val=255, test_cfg=dict(size_divisor=32)),
    backbone=dict(
        type='VitpBackbone',
        # a ViT exported by `vitp_export` (the authors resize InternViT's 14 px patch kernel to 16: --patch_size 16)
        backbone='runs/vitp_rs/vit',
        arch='internvl2_5-1b',
        img_size=512,
        drop_path=0.1,
        neck='adapter',
        neck_args=dict(interaction_indexes=[[0, 7], [8, 11], [12, 15], [16, 23]], deform_heads=16, n_points=4)),
    decode_head=dict(type='UPerHead', in_channels=[1024, 1024, 1024, 1024], in_index=[0, 1, 2, 3], pool_scales=(1, 2, 3, 6),
                     channels=512, dropout_ratio=0.1, num_classes=None, norm_cfg=norm_cfg, align_corners=False,
                     loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    auxiliary_head=dict(type='FCNHead', in_channels=1024, in_index=2, channels=256, num_convs=1, concat_input=False, dropout_ratio=0.1,
                        num_classes=None, norm_cfg=norm_cfg, align_corners=False,
                        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

optim_wrapper = dict(type='OptimWrapper', constructor='VitpLayerDecay', paramwise_cfg=dict(decay_rate=0.9),
                     optimizer=dict(type='AdamW', lr=6e-5, betas=(0.9, 0.999), weight_decay=0.01))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=1500),
    dict(type='PolyLR', eta_min=0.0, power=1.0, by_epoch=False, begin=1500, end=80000)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=80000, val_interval=8000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=8000),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
env_cfg = dict(cudnn_benchmark=True, mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0), dist_cfg=dict(backend='nccl'))
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='SegLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
