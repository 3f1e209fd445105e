# YOLO-Pose m6 (the reference's yolov5m6_kpts: depth 0.67, width 0.75) at 960: Table 1's
# baseline switches (no FGCSPP, SCA, implicit knowledge or GhostConv) at the m6 size, for
# checkpoints converted with tools/convert_yolopose_checkpoint.py. s6 is
# configs/ablation/lrfg_yolopose_t1r1-baseline_coco-960.py.
_base_ = '../lrfg_yolopose_coco.py'

deepen_factor = 0.67
widen_factor = 0.75
widths = [int(c * widen_factor) for c in (256, 512, 768, 1024)]  # P3-P6
model = dict(
    backbone=dict(deepen_factor=deepen_factor, widen_factor=widen_factor, use_fgcspp=False,
                  sca_cfg=None),
    neck=dict(in_channels=widths, deepen_factor=deepen_factor, use_ghost=False),
    head=dict(in_channels=widths, use_implicit=False))

# Fine-tuned, as the reference, from a person detector of the same size (converted with
# tools/convert_yolopose_checkpoint.py); --cfg-options load_from=None trains from scratch.
load_from = 'checkpoints/yolov5m6_person_lrfg.pth'
