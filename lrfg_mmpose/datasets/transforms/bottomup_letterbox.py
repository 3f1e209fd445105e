# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""MMPose's ``BottomupResize`` (fit) with a rectangular-input option."""
from typing import Sequence, Tuple

from mmpose.datasets.transforms import BottomupResize
from mmpose.registry import TRANSFORMS

from ...structures import P6_STRIDE, PAD_VALUE, check_input_size, rect_input_size


@TRANSFORMS.register_module()
class BottomupLetterbox(BottomupResize):
    """The whole image scaled to fit ``input_size`` and centred on a ``pad_val`` canvas.

    ``rect=False``: the canvas is ``input_size`` (exactly MMPose's ``BottomupResize`` with
    ``resize_mode='fit'``). ``rect=True``: the canvas keeps the image's aspect ratio, each side
    padded only up to a multiple of ``size_factor`` (``rect_input_size``; a 640 x 480 image at
    640 gets a 640 x 512 input instead of 640 x 640), the ``rect`` batches of YOLOv5's test
    script (which pads by half a stride more; this pads to the next multiple). The YOLO-Pose
    reference's loader turns ``rect`` off, so it evaluates square inputs (``rect=False``). The
    input size travels in the meta keys, so predictions map back to the image either way.

    Args:
        input_size (Sequence[int]): The largest input ``(w, h)``; multiples of ``size_factor``.
        rect (bool): Rectangular inputs. Defaults to False.
        size_factor (int): The multiple. Defaults to 64 (P6).
        pad_val (tuple): Canvas colour. Defaults to ``PAD_VALUE`` (114, 114, 114).
    """

    def __init__(self, input_size: Sequence[int], rect: bool = False, size_factor: int = P6_STRIDE,
                 pad_val: tuple = PAD_VALUE):
        input_size = check_input_size(input_size, size_factor)
        super().__init__(input_size=input_size, size_factor=size_factor, resize_mode='fit',
                         pad_val=pad_val)
        self.rect = rect

    def _get_input_size(self, img_size: Tuple[int, int], input_size: Tuple[int, int]) -> Tuple:
        actual, padded = super()._get_input_size(img_size, input_size)
        if self.rect:
            padded = rect_input_size(img_size, input_size, self.size_factor)
        return actual, padded
