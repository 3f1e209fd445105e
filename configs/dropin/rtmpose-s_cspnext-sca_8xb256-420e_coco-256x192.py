# MMPose's RTMPose-s with the paper's SCA in its own backbone: CSPNeXt-s whose last two stages
# gate their CSP layers with coordinate attention instead of channel attention
# (lrfg_mmpose.models.backbones.CSPNeXtSCA). Everything else, RTMPose's pretrained CSPNeXt
# weights included (all but the attention layers load), is MMPose's bundled config.
_base_ = 'mmpose::body_2d_keypoint/rtmpose/coco/rtmpose-s_8xb256-420e_coco-256x192.py'
custom_imports = dict(imports=['lrfg_mmpose'], allow_failed_imports=False)

model = dict(backbone=dict(_scope_='mmpose', type='CSPNeXtSCA', sca_stages=(3, 4), sca_reduction=4))
