# MMPose's RTMO-s with LRFG-YoloPose's SCADK-Net backbone (P5: SCA in the last two C3 blocks,
# FGCSPP instead of SPP). Everything else is MMPose's bundled config.
_base_ = 'mmpose::body_2d_keypoint/rtmo/coco/rtmo-s_8xb32-600e_coco-640x640.py'
custom_imports = dict(imports=['lrfg_mmpose'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='SCADKNet',
        arch='P5',
        deepen_factor=0.33,
        widen_factor=0.5,
        out_indices=(2, 3, 4),
        sca_cfg=dict(stages=(3, 4), reduction=4, with_conv=True),
        use_fgcspp=True,
        act_cfg=dict(type='Swish')))
