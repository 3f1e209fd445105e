# Paper Table 1, row 1: FGCSPP off, SCA off, implicit knowledge + GhostConv off.
# Paper: 15.1 M parameters, 63.8 COCO AP. Only the three switches differ from the main config.
# Initialisation (inherited): load_from = 'checkpoints/yolov5s6_person_lrfg.pth', the COCO person
# detector converted by tools/convert_yolopose_checkpoint.py (docs/reference.md, "Training recipe");
# --cfg-options load_from=None trains from scratch.
_base_ = '../lrfg_yolopose_coco.py'

model = dict(
    backbone=dict(use_fgcspp=False, sca_cfg=None),
    neck=dict(use_ghost=False),
    head=dict(use_implicit=False))
