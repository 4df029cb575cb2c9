#!/usr/bin/python3
"""Writes the torch.onnx.export fixtures of the ONNX frontend's tests.

For each model and opset: NAME_opsetN.onnx (exported with a dynamic batch),
and NAME.npz with an input batch and PyTorch's output on it in float64.
Needs python3-torch (not needed to run the tests): run it from this
directory and commit what it writes.
"""
import numpy as np
import torch
from torch import nn

torch.manual_seed(0)


class Residual(nn.Module):
    """A custom module: what mlpc-export cannot read, ONNX can carry."""

    def __init__(self, width):
        super().__init__()
        self.fc1 = nn.Linear(width, width)
        self.fc2 = nn.Linear(width, width)
        self.norm = nn.LayerNorm(width)

    def forward(self, x):
        h = torch.nn.functional.silu(self.fc1(x))
        return self.norm(x + self.fc2(h))


def models():
    yield "activations", nn.Sequential(
        nn.Linear(12, 16), nn.SiLU(),
        nn.Linear(16, 16), nn.ELU(alpha=0.7),
        nn.Linear(16, 16), nn.Softplus(),
        nn.Linear(16, 16), nn.Hardswish(),
        nn.Linear(16, 16), nn.Hardsigmoid(),
        nn.Linear(16, 16), nn.ReLU6(),
        nn.Linear(16, 16), nn.PReLU(16),
        nn.Linear(16, 16), nn.GELU(),
        nn.Linear(16, 16), nn.LeakyReLU(0.2),
        nn.Linear(16, 5), nn.LogSoftmax(dim=1))
    yield "norms", nn.Sequential(
        nn.Flatten(), nn.Linear(12, 24), nn.BatchNorm1d(24), nn.ReLU(),
        nn.Dropout(0.3), nn.Linear(24, 24), nn.LayerNorm(24), nn.Tanh(),
        nn.Identity(), nn.Linear(24, 4), nn.Sigmoid())
    yield "residual", nn.Sequential(
        nn.Linear(12, 20), Residual(20), Residual(20), nn.Linear(20, 3),
        nn.Softmax(dim=-1))


def main():
    for name, model in models():
        model.eval()
        # Non-trivial batch statistics and PReLU slopes.
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, nn.BatchNorm1d):
                    m.running_mean.uniform_(-0.5, 0.5)
                    m.running_var.uniform_(0.5, 2.0)
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.uniform_(-0.5, 0.5)
                if isinstance(m, nn.PReLU):
                    m.weight.uniform_(0.05, 0.3)
        shape = (7, 3, 4) if name == "norms" else (7, 12)
        x = torch.randn(*shape)
        with torch.no_grad():
            y = model.double()(x.double()).numpy()
        model.float()
        np.savez(name + ".npz", x=x.numpy(), y=y)
        for opset in (9, 13, 17):
            torch.onnx.export(model, x, "%s_opset%d.onnx" % (name, opset),
                              input_names=["x"], output_names=["y"],
                              dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}},
                              opset_version=opset)


if __name__ == "__main__":
    main()
