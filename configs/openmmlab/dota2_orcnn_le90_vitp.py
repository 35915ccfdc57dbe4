# DOTA-v2.0 (optical, 18 classes): Oriented R-CNN le90 on the ViTP ViT, paper Table 1 / §C.2.2.
# Single scale: the images cut into 1024 × 1024 patches with a 200 px overlap (paper C.2.2) by mmrotate's splitter
# (tools/data/dota/split/img_split.py, its ss_trainval / ss_test settings) into $VITP_DATA/split_ss_dota2_0/
# {trainval,test}/{annfiles,images}; 12 epochs (1x); 2 images per GPU (mmrotate's default).
# The test labels are not public: `test` writes the merged detections for the DOTA server (Task1 files).
_base_ = './_base_/orcnn_le90_vitp.py'

data_root = '{{$VITP_DATA:data}}/split_ss_dota2_0/'

# mmrotate's DOTA pipelines resize to 1024, the patch size
model = dict(backbone=dict(img_size=1024), roi_head=dict(bbox_head=dict(num_classes=18)))

train_dataloader = dict(dataset=dict(type='DOTAv2Dataset', data_root=data_root))
val_dataloader = dict(dataset=dict(type='DOTAv2Dataset', data_root=data_root))
test_dataloader = dict(dataset=dict(type='DOTAv2Dataset', data_root=data_root, ann_file='', data_prefix=dict(img_path='test/images/'),
                                    pipeline={{_base_.test_pipeline}}))
test_evaluator = dict(format_only=True, merge_patches=True, outfile_prefix='./work_dirs/dota2_orcnn_le90_vitp/Task1')
