# LoveDA (optical land cover, 7 classes; raw mask 0 = no data, ignored): UperNet on the ViTP ViT, paper Table 3 /
# §C.2.3. Crops of 512 × 512 and test images resized to 1024 (mmsegmentation's LoveDA settings; the paper gives no
# crop size); 80k iterations; 2 images per GPU. The Test labels are not public: the test loader evaluates Val.
# Layout (as LoveDA ships it, the one vitp.formats reads): $VITP_DATA/LoveDA/{Train,Val}/{Urban,Rural}/
# {images_png,masks_png}; the two domains are concatenated.
_base_ = './_base_/upernet_vitp.py'

data_root = '{{$VITP_DATA:data}}/LoveDA/'
crop_size = (512, 512)
num_classes = 7

model = dict(data_preprocessor=dict(size=crop_size), backbone=dict(img_size=crop_size[0]),
             decode_head=dict(num_classes=num_classes), auxiliary_head=dict(num_classes=num_classes))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='RandomResize', scale=(2048, 512), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(1024, 1024), keep_ratio=True),
    # the labels are loaded after the resize: predictions are resized back to the labels
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='PackSegInputs')]


def split(name, pipeline):
    return dict(type='ConcatDataset', datasets=[
        dict(type='LoveDADataset', data_root=data_root, pipeline=pipeline,
             data_prefix=dict(img_path=f'{name}/{domain}/images_png', seg_map_path=f'{name}/{domain}/masks_png'))
        for domain in ('Urban', 'Rural')])


train_dataloader = dict(batch_size=2, num_workers=4, persistent_workers=True, sampler=dict(type='InfiniteSampler', shuffle=True),
                        dataset=split('Train', train_pipeline))
val_dataloader = dict(batch_size=1, num_workers=4, persistent_workers=True, sampler=dict(type='DefaultSampler', shuffle=False),
                      dataset=split('Val', test_pipeline))
test_dataloader = val_dataloader
