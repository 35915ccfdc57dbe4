# iSAID (optical, 15 object classes + background): UperNet on the ViTP ViT, paper Table 3 / §C.2.3.
# mmsegmentation's iSAID setting: 896 × 896 patches made by its converter (tools/dataset_converters/isaid.py) into
# $VITP_DATA/iSAID/{img_dir,ann_dir}/{train,val}, crops of 896 (the paper gives no crop size); 80k iterations;
# 2 images per GPU.
_base_ = './_base_/upernet_vitp.py'

data_root = '{{$VITP_DATA:data}}/iSAID/'
crop_size = (896, 896)
num_classes = 16

model = dict(data_preprocessor=dict(size=crop_size), backbone=dict(img_size=crop_size[0]),
             decode_head=dict(num_classes=num_classes), auxiliary_head=dict(num_classes=num_classes))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale=(896, 896), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(896, 896), keep_ratio=True),
    # the labels are loaded after the resize: predictions are resized back to the labels
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')]


def split(name, pipeline):
    return dict(type='iSAIDDataset', data_root=data_root, data_prefix=dict(img_path=f'img_dir/{name}', seg_map_path=f'ann_dir/{name}'),
                pipeline=pipeline)


train_dataloader = dict(batch_size=2, num_workers=4, persistent_workers=True, sampler=dict(type='InfiniteSampler', shuffle=True),
                        dataset=split('train', train_pipeline))
val_dataloader = dict(batch_size=1, num_workers=4, persistent_workers=True, sampler=dict(type='DefaultSampler', shuffle=False),
                      dataset=split('val', test_pipeline))
test_dataloader = val_dataloader
