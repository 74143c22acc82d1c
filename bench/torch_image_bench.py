#!/usr/bin/env python3
"""Peer reference for the image bench model (Attest's small-cnn), in PyTorch on the CPU.

Prints one JSON line: {"peer": "pytorch", "version", "threads", "params", "train_samples_per_s", "infer_samples_per_s"}.
Run with /usr/bin/python3 (Debian python3-torch). Same network as src-main/core/models/small-cnn.ts:
  3 x [Conv2d(F, 3x3, same) -> ReLU -> Conv2d(F, 3x3, same) -> ReLU -> MaxPool 2x2], F = 16, 32, 64
  global average pooling -> Dropout(0.2) -> Linear(64, classes)
Inputs 64 x 64 x 1 from N(0,1), random labels among 3 classes; Adam(1e-3), batch 32; inference at batch 128.
Threads: every core (OMP_NUM_THREADS overrides), as the ECG peer.
"""
import json, os, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

class SmallCnn(nn.Module):
    def __init__(self, classes=3):
        super().__init__()
        layers, c = [], 1
        for f in (16, 32, 64):
            layers += [nn.Conv2d(c, f, 3, padding=1), nn.ReLU(), nn.Conv2d(f, f, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
            c = f
        self.features = nn.Sequential(*layers)
        self.drop = nn.Dropout(0.2)
        self.out = nn.Linear(64, classes)
    def forward(self, x):
        return self.out(self.drop(self.features(x).mean(dim=(2, 3))))

def main():
    torch.set_num_threads(int(os.environ.get('OMP_NUM_THREADS', os.cpu_count() or 1)))
    torch.manual_seed(0)
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 512
    x = torch.randn(n, 1, 64, 64); y = torch.randint(0, 3, (n,))
    m = SmallCnn(); opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    def epoch():
        m.train()
        for i in range(0, n, 32):
            opt.zero_grad(); F.cross_entropy(m(x[i:i + 32]), y[i:i + 32]).backward(); opt.step()
    epoch()
    t0 = time.perf_counter(); epoch(); train = n / (time.perf_counter() - t0)
    m.eval()
    with torch.no_grad():
        for i in range(0, n, 128): m(x[i:i + 128])
        t0 = time.perf_counter()
        for i in range(0, n, 128): m(x[i:i + 128])
        infer = n / (time.perf_counter() - t0)
    print(json.dumps({"peer": "pytorch", "version": torch.__version__, "threads": torch.get_num_threads(),
                      "params": sum(p.numel() for p in m.parameters()),
                      "train_samples_per_s": round(train, 1), "infer_samples_per_s": round(infer, 1)}))

if __name__ == "__main__":
    main()
