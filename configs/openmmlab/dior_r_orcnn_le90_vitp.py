# DIOR-R (optical, 20 classes, VOC-style xml with oriented boxes): Oriented R-CNN le90 on the ViTP ViT, paper
# Table 1 / §C.2.2. Images resized to 1024 × 1024 (paper C.2.2); trained on train + val, tested on test;
# 12 epochs (1x); 2 images per GPU (mmrotate's default).
# Layout (as DIOR-R ships it): $VITP_DATA/DIOR/{ImageSets/Main/{train,val,test}.txt, JPEGImages-trainval,
# JPEGImages-test, Annotations/Oriented Bounding Boxes}.
_base_ = './_base_/orcnn_le90_vitp.py'

data_root = '{{$VITP_DATA:data}}/DIOR/'
img_size = 1024

model = dict(backbone=dict(img_size=img_size), roi_head=dict(bbox_head=dict(num_classes=20)))

# mmrotate's DOTA pipelines (qbox labels → le90 boxes, three flips; test labels loaded after the resize), at 1024 px
train_pipeline, val_pipeline = _base_.train_pipeline, _base_.val_pipeline


def split(name, pipeline, test_mode):
    images = 'JPEGImages-test' if name == 'test' else 'JPEGImages-trainval'
    return dict(type='DIORDataset', data_root=data_root, ann_file=f'ImageSets/Main/{name}.txt', data_prefix=dict(img_path=images),
                filter_cfg=dict(filter_empty_gt=not test_mode), test_mode=test_mode, pipeline=pipeline)


train_dataloader = dict(batch_size=2, dataset=dict(
    _delete_=True, type='ConcatDataset', datasets=[split('train', train_pipeline, False), split('val', train_pipeline, False)]))
val_dataloader = dict(dataset=dict(_delete_=True, **split('test', val_pipeline, True)))
test_dataloader = val_dataloader
