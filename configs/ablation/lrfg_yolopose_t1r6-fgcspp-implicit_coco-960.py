# Paper Table 1, row 6: FGCSPP on, SCA off, implicit knowledge + GhostConv on.
# Paper: 20.4 M parameters, 64.8 COCO AP. Only the three switches differ from the main config.
_base_ = '../lrfg_yolopose_coco.py'

model = dict(
    backbone=dict(use_fgcspp=True, sca_cfg=None),
    neck=dict(use_ghost=True),
    head=dict(use_implicit=True))
