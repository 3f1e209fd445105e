# MMPose's YOLOX-Pose-s with LRFG-YoloPose's PANet (GhostConv laterals and downsamples)
# in place of YOLOXPAFPN; out_channels maps each level to the head's single input width.
_base_ = 'mmpose::body_2d_keypoint/yoloxpose/coco/yoloxpose_s_8xb32-300e_coco-640.py'
custom_imports = dict(imports=['lrfg_mmpose'], allow_failed_imports=False)

model = dict(
    neck=dict(
        _delete_=True,
        type='YOLOPosePAFPN',
        in_channels=[128, 256, 512],
        num_csp_blocks=1,
        use_ghost=True,
        out_channels=128,
        act_cfg=dict(type='Swish')))
