# The paper's recipe (Table 1): LRFG-YoloPose, 2 GPUs x 32 images, 80 epochs at 960 on COCO,
# fine-tuned from a COCO person detector with the YOLO-Pose reference's train.py schedule.
# The same as configs/lrfg_yolopose_coco.py (the short name used in the README), under MMPose's
# naming; see that file for the recipe and the load_from line.
#   python tools/convert_yolopose_checkpoint.py yolov5s6_person.pt checkpoints/yolov5s6_person_lrfg.pth
#   mim train mmpose configs/lrfg_yolopose_2xb32-80e_coco-960.py --gpus 2 --launcher pytorch
_base_ = './lrfg_yolopose_coco.py'
