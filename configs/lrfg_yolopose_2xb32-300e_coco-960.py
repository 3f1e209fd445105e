# The YOLO-Pose reference's default recipe (its README's training commands, hyp.scratch.yaml):
# LRFG-YoloPose, 2 GPUs x 32 images, 300 epochs at 960 on COCO from random weights. The
# schedule is the reference's train.py (warm-up, one-cycle cosine over the 300 epochs, nominal
# batch 64, EMA), as in configs/lrfg_yolopose_coco.py; only the epochs and the initialisation
# differ.
#   mim train mmpose configs/lrfg_yolopose_2xb32-300e_coco-960.py --gpus 2 --launcher pytorch
_base_ = './lrfg_yolopose_coco.py'

max_epochs = 300
load_from = None
train_cfg = dict(max_epochs=max_epochs)
