# DIOR-R (optical, 20 classes, VOC-style xml with oriented boxes): Oriented R-CNN le90 on the ViTP ViT, paper
# Table 1 / §C.2.2. Images resized to 1024 × 1024 (paper C.2.2); trained on train + val, tested on test;
# 12 epochs (1x); 2 images per GPU (mmrotate's default).
# Layout (as DIOR-R ships it): $VITP_DATA/DIOR/{ImageSets/Main/{train,val,test}.txt, JPEGImages-trainval,
# JPEGImages-test, Annotations/Oriented Bounding Boxes}.
_base_ = './_base_/orcnn_le90_vitp.py'

data_root = '{{$VITP_DATA:data}}/DIOR/'
img_size = 1024

model = dict(backbone=dict(img_size=img_size), roi_head=dict(bbox_head=dict(num_classes=20)))

train_pipeline = [
    dict(type='mmdet.LoadImageFromFile'),
    dict(type='mmdet.LoadAnnotations', with_bbox=True, box_type='qbox'),
    dict(type='ConvertBoxType', box_type_mapping=dict(gt_bboxes='rbox')),
    dict(type='mmdet.Resize', scale=(img_size, img_size), keep_ratio=True),
    dict(type='mmdet.RandomFlip', prob=0.75, direction=['horizontal', 'vertical', 'diagonal']),
    dict(type='mmdet.PackDetInputs')]
test_pipeline = [
    dict(type='mmdet.LoadImageFromFile'),
    dict(type='mmdet.Resize', scale=(img_size, img_size), keep_ratio=True),
    # the labels are loaded after the resize: predictions are mapped back to the original image, the labels stay there
    dict(type='mmdet.LoadAnnotations', with_bbox=True, box_type='qbox'),
    dict(type='ConvertBoxType', box_type_mapping=dict(gt_bboxes='rbox')),
    dict(type='mmdet.PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))]


def split(name, pipeline, test_mode):
    images = 'JPEGImages-test' if name == 'test' else 'JPEGImages-trainval'
    return dict(type='DIORDataset', data_root=data_root, ann_file=f'ImageSets/Main/{name}.txt', data_prefix=dict(img_path=images),
                filter_cfg=dict(filter_empty_gt=not test_mode), test_mode=test_mode, pipeline=pipeline)


train_dataloader = dict(batch_size=2, dataset=dict(
    _delete_=True, type='ConcatDataset', datasets=[split('train', train_pipeline, False), split('val', train_pipeline, False)]))
val_dataloader = dict(dataset=dict(_delete_=True, **split('test', test_pipeline, True)))
test_dataloader = val_dataloader
