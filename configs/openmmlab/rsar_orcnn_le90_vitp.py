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

# mmrotate's DOTA pipelines (qbox labels → le90 boxes, three flips; test labels loaded after the resize), resized to img_size
train_pipeline, val_pipeline = _base_.train_pipeline, _base_.val_pipeline
train_pipeline[3].scale = val_pipeline[1].scale = (img_size, img_size)  # their mmdet.Resize steps


def split(name, pipeline, test_mode):
    return dict(_delete_=True, type='DOTADataset', data_root=data_root, metainfo=dict(classes=classes), ann_file=f'{name}/annfiles/',
                data_prefix=dict(img_path=f'{name}/images/'), img_suffix='png', filter_cfg=dict(filter_empty_gt=not test_mode),
                test_mode=test_mode, pipeline=pipeline)


train_dataloader = dict(batch_size=2, dataset=split('train', train_pipeline, False))
val_dataloader = dict(dataset=split('val', val_pipeline, True))
test_dataloader = dict(dataset=split('test', val_pipeline, True))
