#!/usr/bin/env python3
"""Independent detection scores for Attest's tests: Pascal VOC AP@0.5 (all-point interpolation, as in the
VOC 2010+ devkit's VOCevaldet/voc_eval) and COCO-style AP at IoU 0.50:0.05:0.95 (cocoapi's greedy matching and
101-point interpolation), written from the benchmarks' own definitions with numpy only.

Input (stdin, JSON): {"classes": [names], "frames": [{"truths": [{"classIndex", "x0", "y0", "x1", "y1",
"difficult"}], "detections": [{"classIndex", "x0", "y0", "x1", "y1", "score"}]}]}
Output (stdout, JSON): {"classes": [{"name", "ap50", "coco50", "coco75", "coco", "tp", "fp"}], "map50", "mapCoco"}
Boxes are continuous pixel coordinates (IoU without VOC's +1). "difficult" objects are VOC's difficult and
COCO's ignored. Score ties keep frame order, then the order within the frame (a stable sort).
"""
import json
import sys

import numpy as np


def iou_matrix(dets, gts):
    """IoU of every detection (rows) with every ground truth (columns); arrays of [x0, y0, x1, y1]."""
    if len(dets) == 0 or len(gts) == 0:
        return np.zeros((len(dets), len(gts)))
    d = dets[:, None, :]
    g = gts[None, :, :]
    iw = np.minimum(d[..., 2], g[..., 2]) - np.maximum(d[..., 0], g[..., 0])
    ih = np.minimum(d[..., 3], g[..., 3]) - np.maximum(d[..., 1], g[..., 1])
    inter = np.where((iw > 0) & (ih > 0), iw * ih, 0.0)
    area_d = (d[..., 2] - d[..., 0]) * (d[..., 3] - d[..., 1])
    area_g = (g[..., 2] - g[..., 0]) * (g[..., 3] - g[..., 1])
    union = area_d + area_g - inter
    return np.where(inter > 0, inter / np.where(union > 0, union, 1.0), 0.0)


def class_data(frames, c):
    """Per frame: the class's ground truth boxes and difficult flags; all detections ranked globally."""
    gts = []
    for f in frames:
        mine = [t for t in f["truths"] if t["classIndex"] == c]
        boxes = np.array([[t["x0"], t["y0"], t["x1"], t["y1"]] for t in mine], dtype=np.float64).reshape(-1, 4)
        hard = np.array([bool(t["difficult"]) for t in mine], dtype=bool)
        gts.append((boxes, hard))
    frame_of, boxes, scores = [], [], []
    for i, f in enumerate(frames):
        for d in f["detections"]:
            if d["classIndex"] == c:
                frame_of.append(i)
                boxes.append([d["x0"], d["y0"], d["x1"], d["y1"]])
                scores.append(d["score"])
    order = np.argsort(-np.array(scores, dtype=np.float64), kind="stable")
    frame_of = np.array(frame_of, dtype=np.int64)[order]
    boxes = np.array(boxes, dtype=np.float64).reshape(-1, 4)[order]
    return gts, frame_of, boxes


def voc_ap(rec, prec):
    """VOC 2010+ all-point interpolated AP (the devkit's VOCap)."""
    mrec = np.concatenate(([0.0], rec, [1.0]))
    mpre = np.concatenate(([0.0], prec, [0.0]))
    for i in range(mpre.size - 1, 0, -1):
        mpre[i - 1] = max(mpre[i - 1], mpre[i])
    i = np.where(mrec[1:] != mrec[:-1])[0]
    return float(np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1]))


def voc_class(frames, c, thresh=0.5):
    gts, frame_of, boxes = class_data(frames, c)
    npos = int(sum((~hard).sum() for _, hard in gts))
    used = [np.zeros(len(g[0]), dtype=bool) for g in gts]
    tp = np.zeros(len(frame_of))
    fp = np.zeros(len(frame_of))
    for k in range(len(frame_of)):
        g, hard = gts[frame_of[k]]
        if len(g) == 0:
            fp[k] = 1
            continue
        ov = iou_matrix(boxes[k : k + 1], g)[0]
        j = int(np.argmax(ov))
        if ov[j] >= thresh:
            if hard[j]:
                continue
            if not used[frame_of[k]][j]:
                tp[k] = 1
                used[frame_of[k]][j] = True
            else:
                fp[k] = 1
        else:
            fp[k] = 1
    keep = (tp + fp) > 0
    tp, fp = np.cumsum(tp[keep]), np.cumsum(fp[keep])
    if npos == 0:
        return None, int(tp[-1]) if len(tp) else 0, int(fp[-1]) if len(fp) else 0
    rec = tp / npos
    prec = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
    return voc_ap(rec, prec), int(tp[-1]) if len(tp) else 0, int(fp[-1]) if len(fp) else 0


def coco_class(frames, c):
    """cocoapi evaluateImg + accumulate for one category, all areas, no detection limit."""
    gts, frame_of, boxes = class_data(frames, c)
    npig = int(sum((~hard).sum() for _, hard in gts))
    if npig == 0:
        return None
    thresholds = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)
    rec_thrs = np.linspace(0.0, 1.0, int(np.round((1.0 - 0.0) / 0.01)) + 1, endpoint=True)
    aps = []
    for t in thresholds:
        matched = np.zeros(len(frame_of), dtype=int)  # 0 unmatched, 1 hit, 2 ignored
        taken = [np.zeros(len(g[0]), dtype=bool) for g in gts]
        for k in range(len(frame_of)):
            g, hard = gts[frame_of[k]]
            gorder = np.argsort(hard.astype(int), kind="mergesort")
            ov = iou_matrix(boxes[k : k + 1], g)[0] if len(g) else np.zeros(0)
            best_iou = min(t, 1 - 1e-10)
            m = -1
            for gi in gorder:
                if taken[frame_of[k]][gi]:
                    continue
                if m > -1 and not hard[m] and hard[gi]:
                    break
                if ov[gi] < best_iou:
                    continue
                best_iou = ov[gi]
                m = gi
            if m == -1:
                continue
            taken[frame_of[k]][m] = True
            matched[k] = 2 if hard[m] else 1
        counted = matched != 2
        tps = np.cumsum(matched[counted] == 1).astype(np.float64)
        fps = np.cumsum(matched[counted] == 0).astype(np.float64)
        if len(tps) == 0:
            aps.append(0.0)
            continue
        rc = tps / npig
        pr = (tps / (fps + tps + np.spacing(1))).tolist()
        for i in range(len(pr) - 1, 0, -1):
            if pr[i] > pr[i - 1]:
                pr[i - 1] = pr[i]
        inds = np.searchsorted(rc, rec_thrs, side="left")
        q = np.zeros(len(rec_thrs))
        for ri, pi in enumerate(inds):
            if pi < len(pr):
                q[ri] = pr[pi]
        aps.append(float(np.mean(q)))
    return aps


def main():
    data = json.load(sys.stdin)
    frames = data["frames"]
    out = []
    for c, name in enumerate(data["classes"]):
        ap50, tp, fp = voc_class(frames, c)
        coco = coco_class(frames, c)
        out.append(
            {
                "name": name,
                "ap50": ap50,
                "coco50": None if coco is None else coco[0],
                "coco75": None if coco is None else coco[5],
                "coco": None if coco is None else float(np.mean(coco)),
                "tp": tp,
                "fp": fp,
            }
        )
    present = [c for c in out if c["ap50"] is not None]
    result = {
        "classes": out,
        "map50": float(np.mean([c["ap50"] for c in present])) if present else None,
        "mapCoco": float(np.mean([c["coco"] for c in present])) if present else None,
    }
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
