# UAVid (UAV video frames, 8 classes): UperNet on the ViTP ViT, paper Table 3 / §C.2.3.
# mmsegmentation has no UAVid reader: UAVid's colour labels converted to class-index PNGs (0 clutter … 7 human, the
# order below) in $VITP_DATA/UAVid/{img_dir,ann_dir}/{train,val} with matching file names. Crops of 1024 × 1024 and
# sliding-window testing (1024 windows, 768 stride) on the full 3840 × 2160 frames — common UAVid practice, the
# paper gives no crop size; 80k iterations; 2 images per GPU.
_base_ = './_base_/upernet_vitp.py'

data_root = '{{$VITP_DATA:data}}/UAVid/'
crop_size = (1024, 1024)
classes = ('clutter', 'building', 'road', 'tree', 'low_vegetation', 'moving_car', 'static_car', 'human')

model = dict(data_preprocessor=dict(size=crop_size), backbone=dict(img_size=crop_size[0]),
             decode_head=dict(num_classes=len(classes)), auxiliary_head=dict(num_classes=len(classes)),
             test_cfg=dict(mode='slide', crop_size=crop_size, stride=(768, 768)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale=(3840, 2160), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')]
test_pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'), dict(type='PackSegInputs')]


def split(name, pipeline):
    return dict(type='BaseSegDataset', data_root=data_root, metainfo=dict(classes=classes), img_suffix='.png', seg_map_suffix='.png',
                data_prefix=dict(img_path=f'img_dir/{name}', seg_map_path=f'ann_dir/{name}'), pipeline=pipeline)


train_dataloader = dict(batch_size=2, num_workers=4, persistent_workers=True, sampler=dict(type='InfiniteSampler', shuffle=True),
                        dataset=split('train', train_pipeline))
val_dataloader = dict(batch_size=1, num_workers=4, persistent_workers=True, sampler=dict(type='DefaultSampler', shuffle=False),
                      dataset=split('val', test_pipeline))
test_dataloader = val_dataloader
