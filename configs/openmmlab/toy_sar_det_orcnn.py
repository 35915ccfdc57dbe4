# Toy: the RSAR config on the embedded SAR-like detection set (vitp.embedded.write_embedded, DOTA layout
# $VITP_DATA/embedded/downstream/sar_det/{train,val,test}/{images,labelTxt}, the 6 RSAR classes, 224 px), with the
# embedded ViT `make demo` exports (runs/embedded/vit: width 192, 6 blocks) — small enough for a CPU (here
# about 5 s per iteration, 432 iterations in the 12 epochs).
# What changes from the paper setting, and why: the ViT and its width; the adapter's interactions and heads follow
# its depth (vitp's proportional defaults); anchors of 16 px at stride 4 (the objects are 5–50 px) and none dropped at
# the border; lr 1e-4 with a 50-iteration warm-up (as vitp's toy fine-tuning); a checkpoint at the end only.
_base_ = './rsar_orcnn_le90_vitp.py'

data_root = '{{$VITP_DATA:data}}/embedded/downstream/sar_det/'
classes = ('ship', 'aircraft', 'car', 'tank', 'bridge', 'harbor')
img_size = 224

model = dict(
    backbone=dict(backbone='runs/embedded/vit', arch='embedded', img_size=img_size, neck_args=dict(_delete_=True)),
    neck=dict(in_channels=[192, 192, 192, 192]),
    rpn_head=dict(anchor_generator=dict(scales=[4])),
    train_cfg=dict(rpn=dict(allowed_border=-1)))

train_pipeline, val_pipeline = _base_.train_pipeline, _base_.val_pipeline
train_pipeline[3].scale = val_pipeline[1].scale = (img_size, img_size)


def split(name, pipeline, test_mode):
    return dict(_delete_=True, type='DOTADataset', data_root=data_root, metainfo=dict(classes=classes), ann_file=f'{name}/labelTxt/',
                data_prefix=dict(img_path=f'{name}/images/'), img_suffix='png', filter_cfg=dict(filter_empty_gt=not test_mode),
                test_mode=test_mode, pipeline=pipeline)


loader = dict(num_workers=0, persistent_workers=False)
train_dataloader = dict(**loader, dataset=split('train', train_pipeline, False))
val_dataloader = dict(**loader, dataset=split('val', val_pipeline, True))
test_dataloader = dict(**loader, dataset=split('test', val_pipeline, True))

optim_wrapper = dict(optimizer=dict(lr=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0 / 3, by_epoch=False, begin=0, end=50),
    dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[8, 11], gamma=0.1)]
train_cfg = dict(val_interval=4)
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=12, max_keep_ckpts=1))
