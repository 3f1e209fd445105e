# LRFG-YoloPose on COCO-Body13, another keypoint set (13 keypoints: a "head" point made from the
# face points, and COCO's 12 body points), on the embedded images: the worked example of
# training on your own keypoints (docs/own-data.md, "Train on your own data"). Everything but the data
# and the keypoint set comes from the CPU config.
#
# What a keypoint set needs: its meta file (names, flip pairs via "swap", skeleton, OKS sigmas),
# given to the datasets (flip pairs in RandomFlip, sigmas in CocoMetric) and to the head
# (keypoint count, sigmas of the OKS loss), and COCO-format annotations with 3 values per
# keypoint. Anchors: python tools/anchors.py configs/lrfg_yolopose_coco-body13-mini.py
_base_ = './lrfg_yolopose_coco-mini.py'

metainfo = dict(from_file='{{fileDirname}}/_base_/datasets/coco_body13.py')
data_root = 'data/'

model = dict(head=dict(metainfo=metainfo))

train_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='coco-body13/annotations/person_keypoints_train2017.json',
        data_prefix=dict(img='coco-mini/train2017/')))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='coco-body13/annotations/person_keypoints_val2017.json',
        data_prefix=dict(img='coco-mini/val2017/')))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'coco-body13/annotations/person_keypoints_val2017.json')
test_evaluator = val_evaluator
