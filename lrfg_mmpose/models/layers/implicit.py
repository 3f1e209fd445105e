# Copyright (c) lrfg-mmpose contributors. Licensed under the Apache License 2.0.
"""Implicit knowledge: ImplicitA (add) and ImplicitM (multiply).

Paper: "You Only Learn One Representation: Unified Network for Multiple Tasks" (YOLOR),
Wang, Yeh and Liao, 2021 (https://arxiv.org/abs/2105.04206), Eq. (1)-(3). Both fold into
the adjacent 1x1 conv for deployment (:func:`fold_implicit_into_conv`).
"""
import torch
import torch.nn as nn
from mmpose.registry import MODELS


@MODELS.register_module()
class ImplicitA(nn.Module):
    """Learned per-channel offset ``x + a`` (``a ~ N(mean, std)``), C parameters."""

    def __init__(self, channels: int, mean: float = 0.0, std: float = 0.02):
        super().__init__()
        self.implicit = nn.Parameter(torch.empty(1, channels, 1, 1))
        nn.init.normal_(self.implicit, mean=mean, std=std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.implicit


@MODELS.register_module()
class ImplicitM(nn.Module):
    """Learned per-channel scale ``x * m`` (``m ~ N(mean, std)``), C parameters."""

    def __init__(self, channels: int, mean: float = 1.0, std: float = 0.02):
        super().__init__()
        self.implicit = nn.Parameter(torch.empty(1, channels, 1, 1))
        nn.init.normal_(self.implicit, mean=mean, std=std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.implicit


@torch.no_grad()
def fold_implicit_into_conv(conv: nn.Conv2d, implicit_a: ImplicitA = None,
                            implicit_m: ImplicitM = None) -> nn.Conv2d:
    """Return a conv equal to ``m * conv(x + a)`` for a 1x1 ``conv``.

    ``W(x + a) + b = Wx + (b + Wa)``, then ``m * (Wx + b') = (mW)x + m b'``.
    """
    if conv.kernel_size != (1, 1) or conv.groups != 1:
        raise ValueError('implicit layers fold only into an ungrouped 1x1 conv')
    fused = nn.Conv2d(conv.in_channels, conv.out_channels, 1, bias=True).to(conv.weight)
    weight = conv.weight.clone()  # (out, in, 1, 1)
    bias = conv.bias.clone() if conv.bias is not None else weight.new_zeros(conv.out_channels)
    if implicit_a is not None:
        bias = bias + (weight[:, :, 0, 0] @ implicit_a.implicit.view(-1))
    if implicit_m is not None:
        scale = implicit_m.implicit.view(-1)
        weight = weight * scale.view(-1, 1, 1, 1)
        bias = bias * scale
    fused.weight.copy_(weight)
    fused.bias.copy_(bias)
    return fused
