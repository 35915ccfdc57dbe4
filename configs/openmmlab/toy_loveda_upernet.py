# Toy: the LoveDA config on the embedded land-cover set (vitp.embedded.write_embedded, LoveDA layout
# $VITP_DATA/embedded/downstream/loveda/{Train,Val}/{Urban,Rural}/{images_png,masks_png}, 224 px), with the embedded
# ViT `make demo` exports (runs/embedded/vit: width 192, 6 blocks) — small enough for a CPU.
# What changes from the paper setting, and why: the ViT and its width; the adapter's interactions and heads follow
# its depth (vitp's proportional defaults); 224 px crops; heads 256 wide with plain BatchNorm (one process);
# 2000 iterations at lr 1e-4 with a 100-iteration warm-up (as vitp's toy fine-tuning); a checkpoint at the end only.
_base_ = './loveda_upernet_vitp.py'

data_root = '{{$VITP_DATA:data}}/embedded/downstream/loveda/'
crop_size = (224, 224)
norm_cfg = dict(type='BN', requires_grad=True)

model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(backbone='runs/embedded/vit', arch='embedded', img_size=crop_size[0], neck_args=dict(_delete_=True)),
    decode_head=dict(in_channels=[192, 192, 192, 192], channels=256, norm_cfg=norm_cfg),
    auxiliary_head=dict(in_channels=192, channels=256, norm_cfg=norm_cfg))

# LoveDA's pipelines at 224 px: its RandomResize, RandomCrop and test Resize
train_pipeline, test_pipeline = _base_.train_pipeline, _base_.test_pipeline
train_pipeline[2].scale, train_pipeline[3].crop_size, test_pipeline[1].scale = (896, 224), crop_size, crop_size


def split(name, pipeline):
    return dict(_delete_=True, type='ConcatDataset', datasets=[
        dict(type='LoveDADataset', data_root=data_root, pipeline=pipeline,
             data_prefix=dict(img_path=f'{name}/{domain}/images_png', seg_map_path=f'{name}/{domain}/masks_png'))
        for domain in ('Urban', 'Rural')])


loader = dict(num_workers=0, persistent_workers=False)
train_dataloader = dict(**loader, dataset=split('Train', train_pipeline))
val_dataloader = dict(**loader, dataset=split('Val', test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(optimizer=dict(lr=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0, end=100),
    dict(type='PolyLR', eta_min=0.0, power=1.0, by_epoch=False, begin=100, end=2000)]
train_cfg = dict(max_iters=2000, val_interval=500)
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=2000, max_keep_ckpts=1))
