# RSAR (SAR, 6 classes, DOTA-format labels): Oriented R-CNN le90 on the ViTP ViT, paper Table 2 / §C.2.2.
# Images resized to 800 × 800 (paper C.2.2); 12 epochs (1x); 2 images per GPU (mmrotate's default; the paper
# trains on 8 GPUs and does not give the batch size).
# Layout (as RSAR ships it): $VITP_DATA/RSAR/{train,val,test}/{annfiles,images}. RSAR mixes .jpg and .png images;
# mmrotate's DOTADataset takes one suffix (img_suffix), so convert the images to one format first.
_base_ = './_base_/orcnn_le90_vitp.py'

data_root = '{{$VITP_DATA:data}}/RSAR/'
classes = ('ship', 'aircraft', 'car', 'tank', 'bridge', 'harbor')
img_size = 800

model = dict(backbone=dict(img_size=img_size), roi_head=dict(bbox_head=dict(num_classes=len(classes))))

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
    return dict(_delete_=True, type='DOTADataset', data_root=data_root, metainfo=dict(classes=classes), ann_file=f'{name}/annfiles/',
                data_prefix=dict(img_path=f'{name}/images/'), img_suffix='png', filter_cfg=dict(filter_empty_gt=not test_mode),
                test_mode=test_mode, pipeline=pipeline)


train_dataloader = dict(batch_size=2, dataset=split('train', train_pipeline, False))
val_dataloader = dict(dataset=split('val', test_pipeline, True))
test_dataloader = dict(dataset=split('test', test_pipeline, True))
