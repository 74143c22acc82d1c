#!/usr/bin/env python3
"""Independent reference for the noise stress test's measurements (test/validate/nst-reference.test.ts).

Decodes the original PhysioNet files with numpy alone (WFDB format 212 signals, MIT annotation format), then
applies the rules of WFDB's sigamp that nst uses:
- QRS amplitude of MIT-BIH record 118, signal 0 (MLII): the first 300 beats that map1 calls NORMAL, for each
  the range (max - min) of the samples t-18..t+18 around the annotation time t (+-50 ms at 360 Hz), then the
  mean after dropping the largest and smallest 5% (15 of 300); in ADC units and in mV (gain 200);
- noise RMS of nstdb records bw and ma, signal 0, over their first 60 s: per one-second chunk the RMS about
  the chunk's mean, then the mean after dropping the largest and smallest 5% (3 of 60), in mV (gain 200).

Usage: python3 nst_reference.py SHARED_DATA_DIR   (prints one JSON object)
"""
import json
import os
import sys

import numpy as np

FS = 360
GAIN = 200.0
# map1 NORMAL: normal, bundle-branch block, aberrated, nodal, atrial and supraventricular premature, escape.
NORMAL_CODES = {1, 2, 3, 4, 7, 8, 9, 11, 34, 35}


def read_212(path, signals):
    raw = np.fromfile(path, dtype=np.uint8)
    raw = raw[: len(raw) // 3 * 3].reshape(-1, 3).astype(np.int32)
    first = raw[:, 0] | ((raw[:, 1] & 0x0F) << 8)
    second = raw[:, 2] | ((raw[:, 1] & 0xF0) << 4)
    samples = np.empty(len(raw) * 2, dtype=np.int32)
    samples[0::2] = first
    samples[1::2] = second
    samples[samples > 2047] -= 4096
    return samples[: len(samples) // signals * signals].reshape(-1, signals)


def read_annotations(path):
    data = np.fromfile(path, dtype='<u2')
    times, codes = [], []
    t = 0
    i = 0
    while i < len(data):
        word = int(data[i])
        code, interval = word >> 10, word & 0x3FF
        i += 1
        if code == 0 and interval == 0:
            break
        if code == 59:  # SKIP: a 32-bit interval follows, high 16 bits first
            t += (int(data[i]) << 16) | int(data[i + 1])
            i += 2
        elif code == 63:  # AUX: `interval` bytes follow, padded to an even count
            i += (interval + 1) // 2
        elif code in (60, 61, 62):  # NUM, SUB, CHN
            pass
        else:
            t += interval
            times.append(t)
            codes.append(code)
    return np.array(times), np.array(codes)


def trimmed_mean(values):
    values = np.sort(np.asarray(values, dtype=np.float64))
    drop = len(values) // 20
    return float(values[drop : len(values) - drop].mean())


def qrs_amplitude(shared):
    signal = read_212(os.path.join(shared, 'mitdb', '118.dat'), 2)[:, 0]
    times, codes = read_annotations(os.path.join(shared, 'mitdb', '118.atr'))
    normal = [t for t, c in zip(times, codes) if c in NORMAL_CODES and t >= 18 and t + 18 < len(signal)][:300]
    ranges = [signal[t - 18 : t + 19].max() - signal[t - 18 : t + 19].min() for t in normal]
    adc = trimmed_mean(ranges)
    return {'beats': len(normal), 'adc': adc, 'mV': adc / GAIN}


def noise_rms(shared, name):
    signal = read_212(os.path.join(shared, 'nstdb', name + '.dat'), 2)[: 60 * FS, 0] / GAIN
    chunks = signal.reshape(60, FS)
    rms = np.sqrt(((chunks - chunks.mean(axis=1, keepdims=True)) ** 2).mean(axis=1))
    return trimmed_mean(rms)


def main():
    shared = sys.argv[1]
    print(json.dumps({
        'record118': qrs_amplitude(shared),
        'noiseRms': {'bw': noise_rms(shared, 'bw'), 'ma': noise_rms(shared, 'ma')},
    }))


if __name__ == '__main__':
    main()
