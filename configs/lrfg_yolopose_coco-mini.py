# LRFG-YoloPose (full model) on the embedded real COCO subset, sized for a 2-core CPU.
# Used by `make demo`; also a template for any small COCO-layout keypoint dataset.
_base_ = './lrfg_yolopose_coco.py'

input_size = (320, 320)
max_epochs = 40
base_lr = 0.005
data_root = 'data/coco-mini/'

train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(
    checkpoint=dict(interval=10, max_keep_ckpts=2, save_best=None),
    logger=dict(interval=5))
# A few hundred iterations from random weights on a CPU: AdamW converges much faster here
# than the paper's SGD recipe (which assumes 80 COCO epochs at batch 64).
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=base_lr, weight_decay=0.0),
    paramwise_cfg=dict(norm_decay_mult=0, bias_decay_mult=0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=3,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=base_lr * 0.02, by_epoch=True, begin=3,
         end=max_epochs, T_max=max_epochs - 3, convert_to_iter_based=True),
]

model = dict(head=dict(loss_weights=dict(obj=1.0 * (input_size[0] / 640)**2 * 3 / 4)))

codec = dict(type='YOLOXPoseAnnotationProcessor', input_size=input_size)
# No mosaic: on 38 images at 320 px it would leave people a few pixels tall.
train_pipeline = [
    dict(type='LoadImage'),
    # 'affine' mode fits the whole image to the input (long side), then shifts and scales;
    # the main config's 'perspective' mode expects a mosaic canvas instead.
    dict(type='BottomupRandomAffine', input_size=input_size, shift_factor=0.1, rotate_factor=0,
         scale_factor=(0.75, 1.25), scale_type='long', pad_val=(114, 114, 114),
         distribution='uniform', transform_mode='affine', bbox_keep_corner=False,
         clip_border=True),
    {{_base_.hsv_aug}},
    dict(type='RandomFlip', prob=0.5),
    dict(type='FilterAnnotations', by_kpt=True, by_box=True, keep_empty=False),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='BottomupResize', input_size=input_size, pad_val=(114, 114, 114)),
    dict(type='PackPoseInputs',
         meta_keys=('id', 'img_id', 'img_path', 'ori_shape', 'img_shape', 'input_size',
                    'input_center', 'input_scale')),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=1,
    persistent_workers=False,
    pin_memory=False,
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/person_keypoints_train2017.json',
        data_prefix=dict(img='train2017/'),
        pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=1,
    persistent_workers=False,
    pin_memory=False,
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/person_keypoints_val2017.json',
        data_prefix=dict(img='val2017/'),
        pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/person_keypoints_val2017.json')
test_evaluator = val_evaluator
