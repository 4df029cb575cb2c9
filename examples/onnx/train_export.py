#!/usr/bin/python3
"""Train a PyTorch model that mlpc-export cannot read (a custom nn.Module
with residual blocks, LayerNorm and GELU) on the 8x8 handwritten digits,
and export it with torch.onnx.export: the route for any model.

Writes, next to this script (needs python3-torch and python3-sklearn):
  digits_resnet.onnx  the model (input "pixels" [batch, 64], output
                      "probabilities" [batch, 10])
  digits_test.txt     the held-out digits: label, 64 pixels and PyTorch's
                      probabilities for each, for the app to check
"""
import os

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

here = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(0)


class Block(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.fc1 = nn.Linear(width, 2 * width)
        self.fc2 = nn.Linear(2 * width, width)

    def forward(self, x):
        return x + self.fc2(nn.functional.gelu(self.fc1(self.norm(x))))


class DigitsResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(64, 48)
        self.blocks = nn.Sequential(Block(48), Block(48))
        self.out = nn.Linear(48, 10)

    def forward(self, x):
        return torch.softmax(self.out(self.blocks(torch.relu(self.inp(x)))), dim=-1)


digits = load_digits()
x = (digits.data / 16.0).astype(np.float32)
x_train, x_test, y_train, y_test = train_test_split(
    x, digits.target, test_size=0.25, random_state=0, stratify=digits.target)
model = DigitsResNet()
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
xt, yt = torch.tensor(x_train), torch.tensor(y_train)
for epoch in range(60):
    for i in range(0, len(xt), 64):
        opt.zero_grad()
        p = model(xt[i:i + 64])
        loss = nn.functional.nll_loss(torch.log(p + 1e-9), yt[i:i + 64])
        loss.backward()
        opt.step()
model.eval()
with torch.no_grad():
    proba = model(torch.tensor(x_test)).numpy()
print("PyTorch: held-out accuracy %.4f" % (proba.argmax(1) == y_test).mean())
torch.onnx.export(model, torch.tensor(x_test[:2]), os.path.join(here, "digits_resnet.onnx"),
                  input_names=["pixels"], output_names=["probabilities"],
                  dynamic_axes={"pixels": {0: "batch"}, "probabilities": {0: "batch"}},
                  opset_version=17)
with open(os.path.join(here, "digits_test.txt"), "w") as f:
    f.write("%d %d %d\n" % (len(x_test), x_test.shape[1], proba.shape[1]))
    for xi, yi, pi in zip(x_test, y_test, proba):
        f.write("%d %s %s\n" % (yi, " ".join("%.9g" % v for v in xi),
                                " ".join("%.9g" % v for v in pi)))
print("wrote digits_resnet.onnx and digits_test.txt")
