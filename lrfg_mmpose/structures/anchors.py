# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""The anchors of the P3-P6 models: YOLOv5s6's, three (w, h) per level in input pixels, which the
YOLO-Pose reference's ``models/hub/yolov5s6.yaml`` and every config here start from. The head
takes them as its default; the anchor analysis and the checkpoint converter compare against
them."""

# (w, h) in input pixels for P3, P4, P5 and P6 (strides 8, 16, 32, 64)
DEFAULT_ANCHORS = (((19, 27), (44, 40), (38, 94)), ((96, 68), (86, 152), (180, 137)),
                   ((140, 301), (303, 264), (238, 542)), ((436, 615), (739, 380), (925, 792)))
