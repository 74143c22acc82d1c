"""Independent reference for Attest's FGSM and PGD: the same attacks written in PyTorch.

Reads JSON from argv[1]: a two-layer dense softmax classifier (w1 [d, h], b1, w2 [h, k], b2), inputs [n, d],
labels, epsilon, steps and stepSize (a fraction of epsilon). Prints JSON with the FGSM, PGD L-inf and PGD L2
adversarial inputs, all without random start, in float32 like TF.js.
"""
import json
import sys

import torch

data = json.load(open(sys.argv[1]))
f32 = torch.float32
w1 = torch.tensor(data["w1"], dtype=f32)
b1 = torch.tensor(data["b1"], dtype=f32)
w2 = torch.tensor(data["w2"], dtype=f32)
b2 = torch.tensor(data["b2"], dtype=f32)
x0 = torch.tensor(data["inputs"], dtype=f32)
y = torch.tensor(data["labels"], dtype=torch.long)
eps = float(data["epsilon"])
alpha = float(data["stepSize"]) * eps


def gradient(x):
    x = x.clone().requires_grad_(True)
    p = torch.softmax(torch.relu(x @ w1 + b1) @ w2 + b2, dim=-1)
    loss = -torch.log(torch.clamp(p.gather(1, y[:, None]), min=1e-30)).sum()
    loss.backward()
    return x.grad


def pgd(norm):
    x = x0.clone()
    for _ in range(int(data["steps"])):
        g = gradient(x)
        if norm == "linf":
            x = x + alpha * torch.sign(g)
            delta = torch.clamp(x - x0, -eps, eps)
        else:
            g = g / torch.clamp(g.norm(dim=1, keepdim=True), min=1e-12)
            x = x + alpha * g
            delta = x - x0
            delta = delta * torch.clamp(eps / torch.clamp(delta.norm(dim=1, keepdim=True), min=1e-12), max=1.0)
        x = x0 + delta
    return x


fgsm = x0 + eps * torch.sign(gradient(x0))
print(json.dumps({"fgsm": fgsm.tolist(), "pgdLinf": pgd("linf").tolist(), "pgdL2": pgd("l2").tolist()}))
