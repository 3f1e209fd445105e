# MMPose's RTMPose-s (top-down: SimCC head RTMCCHead, 256x192 crops) with LRFG-YoloPose's
# SCADK-Net backbone (P5: SCA in the last two C3 blocks, FGCSPP instead of SPP) in place of
# CSPNeXt-s. Its last stage gives the head the same 512 channels at stride 32. Everything else
# (head, codec, top-down pipeline, schedule) is MMPose's bundled config. SCADK-Net starts from
# scratch (RTMPose's CSPNeXt weights do not fit it).
_base_ = 'mmpose::body_2d_keypoint/rtmpose/coco/rtmpose-s_8xb256-420e_coco-256x192.py'
custom_imports = dict(imports=['lrfg_mmpose'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='SCADKNet',
        arch='P5',
        deepen_factor=0.33,
        widen_factor=0.5,
        out_indices=(4, ),
        sca_cfg=dict(stages=(3, 4), reduction=4, with_conv=True),
        use_fgcspp=True,
        act_cfg=dict(type='SiLU')))
