# Paper Table 1, row 6: FGCSPP on, SCA off, implicit knowledge + GhostConv on.
# Paper: 20.4 M parameters, 64.8 COCO AP. Only the three switches differ from the main config.
# Initialisation (inherited): load_from = 'checkpoints/yolov5s6_person_lrfg.pth', the COCO person
# detector converted by tools/convert_yolopose_checkpoint.py (docs/reference.md, "Training recipe");
# --cfg-options load_from=None trains from scratch.
_base_ = '../lrfg_yolopose_coco.py'

model = dict(
    backbone=dict(use_fgcspp=True, sca_cfg=None),
    neck=dict(use_ghost=True),
    head=dict(use_implicit=True))
