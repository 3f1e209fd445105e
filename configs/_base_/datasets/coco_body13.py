# COCO-Body13: a keypoint set other than COCO's 17, made from COCO for the "Train on your own
# data" example (docs/own-data.md). Keypoint 0, "head", is the mean of a person's labelled face
# points (nose, eyes, ears); 1-12 are COCO's body points. lrfg_mmpose.datasets.regroup_keypoints
# makes the annotations (python tools/make_coco_body13.py writes data/coco-body13).
#
# Sigmas: the body points keep COCO's. The head point's 0.097 is measured, as COCO measured its
# own (sigma^2 = E[d^2 / area]): on the embedded COCO images, d is the distance between the mean
# of all five face points of the 25 people who have all five labelled and the mean of the subsets
# that people really have labelled (116 people with a face point, each subset weighted by how
# often it occurs), giving 0.093, combined with the face points' own mean sigma^2 (0.030^2).
dataset_info = dict(
    dataset_name='coco_body13',
    paper_info=dict(
        author='Lin, Tsung-Yi and Maire, Michael and Belongie, Serge and Hays, James and '
        'Perona, Pietro and Ramanan, Deva and 'r'Doll{\'a}r, Piotr and Zitnick, C Lawrence',
        title='Microsoft coco: Common objects in context (keypoints regrouped)',
        container='European conference on computer vision',
        year='2014',
        homepage='http://cocodataset.org/',
    ),
    keypoint_info={
        0: dict(name='head', id=0, color=[51, 153, 255], type='upper', swap=''),
        1: dict(name='left_shoulder', id=1, color=[0, 255, 0], type='upper',
                swap='right_shoulder'),
        2: dict(name='right_shoulder', id=2, color=[255, 128, 0], type='upper',
                swap='left_shoulder'),
        3: dict(name='left_elbow', id=3, color=[0, 255, 0], type='upper', swap='right_elbow'),
        4: dict(name='right_elbow', id=4, color=[255, 128, 0], type='upper', swap='left_elbow'),
        5: dict(name='left_wrist', id=5, color=[0, 255, 0], type='upper', swap='right_wrist'),
        6: dict(name='right_wrist', id=6, color=[255, 128, 0], type='upper', swap='left_wrist'),
        7: dict(name='left_hip', id=7, color=[0, 255, 0], type='lower', swap='right_hip'),
        8: dict(name='right_hip', id=8, color=[255, 128, 0], type='lower', swap='left_hip'),
        9: dict(name='left_knee', id=9, color=[0, 255, 0], type='lower', swap='right_knee'),
        10: dict(name='right_knee', id=10, color=[255, 128, 0], type='lower', swap='left_knee'),
        11: dict(name='left_ankle', id=11, color=[0, 255, 0], type='lower', swap='right_ankle'),
        12: dict(name='right_ankle', id=12, color=[255, 128, 0], type='lower',
                 swap='left_ankle'),
    },
    skeleton_info={
        0: dict(link=('left_ankle', 'left_knee'), id=0, color=[0, 255, 0]),
        1: dict(link=('left_knee', 'left_hip'), id=1, color=[0, 255, 0]),
        2: dict(link=('right_ankle', 'right_knee'), id=2, color=[255, 128, 0]),
        3: dict(link=('right_knee', 'right_hip'), id=3, color=[255, 128, 0]),
        4: dict(link=('left_hip', 'right_hip'), id=4, color=[51, 153, 255]),
        5: dict(link=('left_shoulder', 'left_hip'), id=5, color=[51, 153, 255]),
        6: dict(link=('right_shoulder', 'right_hip'), id=6, color=[51, 153, 255]),
        7: dict(link=('left_shoulder', 'right_shoulder'), id=7, color=[51, 153, 255]),
        8: dict(link=('left_shoulder', 'left_elbow'), id=8, color=[0, 255, 0]),
        9: dict(link=('right_shoulder', 'right_elbow'), id=9, color=[255, 128, 0]),
        10: dict(link=('left_elbow', 'left_wrist'), id=10, color=[0, 255, 0]),
        11: dict(link=('right_elbow', 'right_wrist'), id=11, color=[255, 128, 0]),
        12: dict(link=('head', 'left_shoulder'), id=12, color=[51, 153, 255]),
        13: dict(link=('head', 'right_shoulder'), id=13, color=[51, 153, 255]),
    },
    joint_weights=[1., 1., 1., 1.2, 1.2, 1.5, 1.5, 1., 1., 1.2, 1.2, 1.5, 1.5],
    sigmas=[0.097, 0.079, 0.079, 0.072, 0.072, 0.062, 0.062, 0.107, 0.107, 0.087, 0.087, 0.089,
            0.089])
