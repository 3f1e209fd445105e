# LRFG-YoloPose (full model: SCA + FGCSPP + implicit knowledge/GhostConv) on COCO at 960.
# The paper's recipe: 80 epochs fine-tuned from a COCO person detector, with the YOLO-Pose
# reference's train.py (MMPose's naming would call it lrfg_yolopose_2xb32-80e_coco-960; from
# scratch for 300 epochs, the reference's default: configs/lrfg_yolopose_2xb32-300e_coco-960.py).
# Training:   mim train mmpose configs/lrfg_yolopose_coco.py --gpus 2 --launcher pytorch
# Data:       data/coco/{annotations,train2017,val2017} as MMPose expects.
# Recipe:     SGD (Nesterov, momentum 0.937, lr 0.01), YOLOv5's three parameter groups (BN and
#             implicit weights without decay, other weights with decay 5e-4 x total batch x
#             accumulate / 64, biases), warm-up max(3 epochs, 1000 iterations) (bias lr
#             0.1 -> lr, others 0 -> lr, momentum 0.8 -> 0.937), one-cycle cosine 1 -> 0.2 per
#             epoch, gradients accumulated to a batch of 64, the reference's EMA; its data:
#             mosaic 1.0 with its window, scale 0.5-1.5, translate 0.1, box filter, flip 0.5,
#             multiplicative HSV, its training and evaluation images. Look at it before a run:
#             python tools/vis_scheduler.py configs/lrfg_yolopose_coco.py --dataset-size 56599
#                 --ngpus 2 --batch-size 32 --out schedule.csv --plot schedule.png
_base_ = 'mmpose::_base_/default_runtime.py'
custom_imports = dict(imports=['lrfg_mmpose'], allow_failed_imports=False)

input_size = (960, 960)
max_epochs = 80
base_lr = 0.01
widen_factor = 0.5
deepen_factor = 0.33
# P3-P6 widths of the neck and head: YOLOv5's P6 widths x widen_factor (128, 256, 384, 512)
widths = [int(c * widen_factor) for c in (256, 512, 768, 1024)]
# The keypoint set (names, flip pairs, skeleton, OKS sigmas), one file for the head (keypoint
# count, OKS-loss sigmas) and the datasets (flip pairs, CocoMetric's sigmas); MMPose's COCO file
metainfo = dict(from_file='configs/_base_/datasets/coco.py')
train_batch_size_per_gpu = 32

# Initialisation: the reference fine-tunes from a COCO person detector (its YOLOv5s6 person
# model; a 1-class YOLOv5 v5.0-format P6 checkpoint). Convert it once:
#   python tools/convert_yolopose_checkpoint.py yolov5s6_person.pt checkpoints/yolov5s6_person_lrfg.pth
# (backbone, neck and box convs load; the keypoint branch and, in this full model, FGCSPP, the
# SCA layers, GhostConvs and implicit layers start from scratch). From scratch instead:
# --cfg-options load_from=None, or the 300-epoch config.
load_from = 'checkpoints/yolov5s6_person_lrfg.pth'
# Before any data is built, check that load_from, the data and annotation files are there: a
# missing one is one line with the fix (lrfg_mmpose.engine.run_checks)
run_checks = True

# runtime: the reference's train.py (lrfg_mmpose.engine: YOLOv5OptimWrapperConstructor,
# YOLOv5OptimWrapper, YOLOv5ParamSchedulerHook, YOLOv5EMAHook)
# the reference validates the EMA model after every epoch (train.py, test.test) and keeps the best
train_cfg = dict(_delete_=True, type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
# The loss is summed over the batch (x batch size, as the reference) and weight decay scaled to
# the total batch: never rescale the lr on top (mim train ... --auto-scale-lr would).
auto_scale_lr = dict(enable=False, base_batch_size=64)
# type: MMEngine's name, built as YOLOv5OptimWrapper by the constructor (and, after `mim train
# --amp`, AmpOptimWrapper as YOLOv5AmpOptimWrapper): the reference's accumulation either way
optim_wrapper = dict(
    type='OptimWrapper',
    constructor='YOLOv5OptimWrapperConstructor',
    optimizer=dict(type='SGD', lr=base_lr, momentum=0.937, weight_decay=5e-4, nesterov=True))
param_scheduler = None  # YOLOv5ParamSchedulerHook sets lr and momentum
default_hooks = dict(
    param_scheduler=dict(type='YOLOv5ParamSchedulerHook', lr_factor=0.2, warmup_epochs=3,
                         warmup_min_iters=1000, warmup_bias_lr=0.1, warmup_momentum=0.8,
                         nominal_batch_size=64),
    # the reference's last.pt (every epoch) and best.pt: the epoch of the highest fitness (0.1 box
    # AP .5 + 0.9 box AP, CocoFitnessMetric), a tie replacing the earlier epoch
    checkpoint=dict(type='YOLOv5CheckpointHook', interval=1, max_keep_ckpts=1,
                    save_best='coco/fitness', rule='greater_or_equal'))
custom_hooks = [
    # the reference's ModelEMA: decay 0.9999 x (1 - exp(-updates / 2000)), after each step
    dict(type='YOLOv5EMAHook', decay=0.9999, tau=2000, update_buffers=True, strict_load=False,
         priority=49),
    # stop at the first NaN/inf loss (iteration, terms, image ids); never save NaN weights.
    # Under --amp the GradScaler skips such a step (as the reference's): stop after 20 in a row
    dict(type='NaNGuardHook', max_amp_skips=20),
    # in-training validation as the reference's: NMS at IoU 0.6 (test.py's default, which
    # train.py uses); mim test keeps test_cfg's 0.65 (its README's test command, Table 1)
    dict(type='ValTestCfgHook', nms_thr=0.6),
    # every process validates with rank 0's BN statistics, as the reference (rank 0 only)
    dict(type='BroadcastBuffersHook'),
    # random generators' states in checkpoints: a resumed run continues the same augmentation
    dict(type='RNGStateHook'),
    # warn at the start when the anchors match fewer than 98 % of the training people
    dict(type='AnchorRecallHook', min_recall=0.98),
    # refuse, before the first step, datasets whose keypoint set is not the head's
    dict(type='KeypointSetCheckHook'),
]

# the reference's DDP: PyTorch's default broadcast_buffers=True (MMEngine's default is False)
model_wrapper_cfg = dict(type='MMDistributedDataParallel', broadcast_buffers=True,
                         find_unused_parameters=False)

# model
model = dict(
    type='BottomupPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor', mean=[0, 0, 0], std=[255, 255, 255], bgr_to_rgb=True,
        pad_size_divisor=64),
    backbone=dict(
        type='SCADKNet',
        deepen_factor=deepen_factor,
        widen_factor=widen_factor,
        out_indices=(2, 3, 4, 5),
        # switch 1: SCA in the last two C3 blocks (None = plain C3)
        sca_cfg=dict(stages=(4, 5), reduction=4, with_conv=True),
        # switch 2: FGCSPP instead of SPP
        use_fgcspp=True),
    neck=dict(
        type='YOLOPosePAFPN',
        in_channels=widths,
        deepen_factor=deepen_factor,  # C3 depth as the backbone's
        # switch 3 (with head.use_implicit): GhostConv in the PANet
        use_ghost=True),
    head=dict(
        type='YOLOPoseHead',
        in_channels=widths,
        featmap_strides=[8, 16, 32, 64],
        metainfo=metainfo,
        # switch 3: implicit knowledge (ImplicitA/M) in the head
        use_implicit=True,
        # how the box conv's and keypoint branch's channels become per-anchor fields: the
        # YOLO-Pose reference's (which produced Table 1); see YOLOPoseHead
        channel_layout='reference',
        # the reference's gains (hyp.scratch.yaml); the head scales them to 4 levels and the
        # input size as the reference's train.py does (YOLOPoseHead.loss_gains)
        loss_weights=dict(bbox=0.05, obj=1.0, kpt=0.10, vis=0.5)),
    # flip_test=True: the mirrored input too, merged per person ('average') or by NMS ('nms');
    # it pays for models trained with flips (docs/analysis.md)
    test_cfg=dict(score_thr=0.001, nms_thr=0.65, max_per_img=300, flip_test=False,
                  flip_merge='average'))

# data
codec = dict(type='YOLOXPoseAnnotationProcessor', input_size=input_size)
data_mode = 'bottomup'
data_root = 'data/'
# the reference's augment_hsv: hue, saturation and value x (1 + U(-1, 1) x gain), every image
hsv_aug = dict(type='YOLOv5HSVRandomAug', hue_gain=0.015, saturation_gain=0.7, value_gain=0.4)
# The reference's load_mosaic + random_perspective: MMPose's Mosaic builds the 2s x 2s canvas
# (tiles resized to s on their long side around a centre in [s/2, 3s/2]) as load_mosaic does;
# YOLOv5RandomPerspective keeps the s x s window around its centre (scale U(0.5, 1.5), shift
# +-0.1; hyp.scratch.yaml's degrees, shear and perspective are 0), drops boxes as the
# reference's box_candidates and unlabels keypoints outside; people without keypoints stay
# box targets (docs/data.md).
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='Mosaic', img_scale=input_size, pad_val=114.0, prob=1.0,
         pre_transform=[dict(type='LoadImage')]),
    dict(type='YOLOv5RandomPerspective', input_size=input_size, max_translate_ratio=0.1,
         scaling_ratio_range=(0.5, 1.5), max_rotate_degree=0, max_shear_degree=0,
         max_perspective=0, min_bbox_size=2, min_area_ratio=0.1, max_aspect_ratio=20),
    hsv_aug,
    # the reference's mirror x -> w - x (MMPose's RandomFlip: w - 1 - x); flip indices from
    # the dataset meta (COCO)
    dict(type='YOLOv5RandomFlip', prob=0.5),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    # MMPose's BottomupResize (fit), square as the reference's test.py (its loader turns rect
    # off); rectangular inputs: --cfg-options test_dataloader.dataset.pipeline.1.rect=True
    dict(type='BottomupLetterbox', input_size=input_size, rect=False, pad_val=(114, 114, 114)),
    dict(type='PackPoseInputs',
         meta_keys=('id', 'img_id', 'img_path', 'ori_shape', 'img_shape', 'input_size',
                    'input_center', 'input_scale')),
]
train_dataloader = dict(
    batch_size=train_batch_size_per_gpu,
    num_workers=8,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        # MMPose's CocoDataset + checks when it is built: bad annotations counted, named and
        # filtered; every image file decoded once (parallel, cached) and skipped if bad
        type='CheckedCocoDataset',
        bad_images='skip',  # or 'stop' (with the full list)
        bad_annotations='filter',  # or 'stop'
        # the reference's training images: those with a non-crowd person with labelled
        # keypoints (56,599 of train2017); crowd annotations dropped
        image_set='keypoints',
        data_root=data_root,
        data_mode=data_mode,
        metainfo=metainfo,
        ann_file='coco/annotations/person_keypoints_train2017.json',
        data_prefix=dict(img='coco/train2017/'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    pin_memory=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type='CheckedCocoDataset',
        bad_images='skip',  # a skipped val image's people count as missed (AP never inflated)
        # the reference's evaluation protocol (Table 1): the 2,346 val2017 images with a
        # keypoint-labelled person. MMPose's (all 5,000, as YOLOX-Pose and RTMO report):
        # --cfg-options val_dataloader.dataset.image_set=all test_dataloader.dataset.image_set=all
        image_set='keypoints',
        data_root=data_root,
        data_mode=data_mode,
        metainfo=metainfo,
        ann_file='coco/annotations/person_keypoints_val2017.json',
        data_prefix=dict(img='coco/val2017/'),
        test_mode=True,
        pipeline=val_pipeline))
test_dataloader = val_dataloader
# MMPose's CocoMetric (keypoint AP, coco/AP) + the reference's fitness of the boxes (coco/fitness)
val_evaluator = dict(
    type='CocoFitnessMetric',
    ann_file=data_root + 'coco/annotations/person_keypoints_val2017.json',
    score_mode='bbox',
    nms_mode='none')
test_evaluator = val_evaluator
