/** The result of checking a signal against the 16-bit checksum its header carries. */
export interface ChecksumCheck {
  /** As written in the header; undefined when the header has none (then there is nothing to fail). */
  expected: number | undefined;
  /** The sum of the samples modulo 2^16, written the way the header writes it (signed unless it is above 32767). */
  actual: number;
  ok: boolean;
}

/** The WFDB checksum: the sum of all samples of the signal, modulo 2^16. */
export function checksum16(samples: Int32Array): number {
  let acc = 0;
  // Int32 wrap-around keeps the sum exact modulo 2^32, hence modulo 2^16.
  for (let i = 0; i < samples.length; i++) acc = (acc + samples[i]!) | 0;
  return acc & 0xffff;
}

export function checkChecksum(samples: Int32Array, expected: number | undefined): ChecksumCheck {
  const unsigned = checksum16(samples);
  const writtenUnsigned = expected !== undefined && expected > 32767;
  const actual = writtenUnsigned || unsigned < 32768 ? unsigned : unsigned - 65536;
  const ok = expected === undefined || ((expected % 65536) + 65536) % 65536 === unsigned;
  return { expected, actual, ok };
}

/** Exact sum and sum of squares of the digital samples (numbers; above 2^53 they are the nearest double). */
export function sampleSums(samples: Int32Array): { sum: number; sumSq: number } {
  // Partial sums stay below 2^53 so that every addition is exact; larger totals go through BigInt.
  const limit = 2 ** 52;
  let sum = 0;
  let sumSq = 0;
  let bigSum = 0n;
  let bigSumSq = 0n;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i]!;
    sum += v;
    if (sum > limit || sum < -limit) {
      bigSum += BigInt(sum);
      sum = 0;
    }
    const sq = v * v;
    if (sq > 2 ** 50) {
      bigSumSq += BigInt(v) * BigInt(v);
    } else {
      sumSq += sq;
      if (sumSq > limit) {
        bigSumSq += BigInt(sumSq);
        sumSq = 0;
      }
    }
  }
  return { sum: Number(bigSum + BigInt(sum)), sumSq: Number(bigSumSq + BigInt(sumSq)) };
}
