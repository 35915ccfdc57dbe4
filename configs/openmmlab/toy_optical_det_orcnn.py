# Toy: the DIOR-R config on the embedded optical detection set (vitp.embedded.write_embedded, DIOR-R layout
# $VITP_DATA/embedded/downstream/optical_det, 6 of DIOR's 20 class names, 224 px), with the toy SAR config's
# ViT, anchors and schedule. The head keeps DIOR-R's 20 classes, as vitp's own optical_det task does.
_base_ = './toy_sar_det_orcnn.py'

data_root = '{{$VITP_DATA:data}}/embedded/downstream/optical_det/'

model = dict(roi_head=dict(bbox_head=dict(num_classes=20)))


def split(name, pipeline, test_mode):
    images = 'JPEGImages-test' if name == 'test' else 'JPEGImages-trainval'
    return dict(_delete_=True, type='DIORDataset', data_root=data_root, ann_file=f'ImageSets/Main/{name}.txt',
                data_prefix=dict(img_path=images), filter_cfg=dict(filter_empty_gt=not test_mode), test_mode=test_mode, pipeline=pipeline)


train_dataloader = dict(dataset=split('train', {{_base_.train_pipeline}}, False))
val_dataloader = dict(dataset=split('val', {{_base_.val_pipeline}}, True))
test_dataloader = dict(dataset=split('test', {{_base_.val_pipeline}}, True))
