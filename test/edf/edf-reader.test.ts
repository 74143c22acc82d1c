import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { edfPhysical, readEdfFile } from '../../src-main/core/data/edf/record.js';
import { inspectEdf } from '../../src-main/core/data/edf/inspect.js';
import { physicalSignal, readWfdbRecord } from '../../src-main/core/data/wfdb/record.js';
import { AttestError } from '../../src-main/core/errors.js';
import { sharedPresent } from '../helpers/reference.js';

const EDF_FIXTURES = fileURLToPath(new URL('../../../test/fixtures/edf/', import.meta.url));
const WFDB_FIXTURES = fileURLToPath(new URL('../../../test/fixtures/wfdb/formats/', import.meta.url));
const GENERATOR = join(EDF_FIXTURES, 'test_generator_2_first20s.edf');
const SHARED_EDF = fileURLToPath(
  new URL('../../../../shared/data/wfdb-formats/test_generator_2.edf', import.meta.url),
);
const MNE_REFERENCE = fileURLToPath(
  new URL('../../../../shared/conformance/edf-test_generator_2.reference.json', import.meta.url),
);

test('test_generator_2.edf holds the same digital samples as its WFDB twin, signal by signal', () => {
  const edf = readEdfFile(GENERATOR);
  const wfdb = readWfdbRecord(join(WFDB_FIXTURES, 'test_generator_2'));
  assert.equal(edf.header.variant, 'EDF+C');
  assert.equal(edf.header.dataRecords, 20);
  assert.equal(edf.signals.length, 11, 'the annotation channel is not a signal');
  for (const signal of edf.signals) {
    const k = wfdb.header.signals.findIndex((s) => s.name === signal.header.label);
    assert.ok(k >= 0, `WFDB twin has ${signal.header.label}`);
    assert.equal(signal.fs, 200);
    const twin = wfdb.digital[k] as Int32Array;
    assert.equal(signal.digital.length, 4000);
    for (let i = 0; i < signal.digital.length; i++) {
      if (signal.digital[i] !== twin[i])
        assert.fail(`${signal.header.label} sample ${i}: ${signal.digital[i]} vs ${twin[i]}`);
    }
  }
});

test('EDF physical values equal the WFDB ones up to half a quantization step, the offset EDF scaling implies', () => {
  // EDF maps [-32768, 32767] onto [-1000, 1000] uV: physical = d * 2000/65535 + 1000/65535. The WFDB header says
  // gain 32.7675 = 65535/2000 and baseline 0: physical = d / 32.7675. The difference is the constant 1000/65535
  // (0.0153 uV, half a step): both readers are right about their own file; MNE's minimum of "pulse" (0.0153 uV
  // where the digital value is 0) shows the EDF side.
  const edf = readEdfFile(GENERATOR);
  const wfdb = readWfdbRecord(join(WFDB_FIXTURES, 'test_generator_2'));
  for (const signal of edf.signals) {
    const k = wfdb.header.signals.findIndex((s) => s.name === signal.header.label);
    const ours = edfPhysical(signal);
    const twin = physicalSignal(wfdb, k);
    for (let i = 0; i < ours.length; i++) {
      const difference = (ours[i] as number) - (twin[i] as number);
      assert.ok(
        Math.abs(difference - 1000 / 65535) < 1e-4,
        `${signal.header.label}[${i}] differs by ${difference}`,
      );
    }
  }
});

test('units with a Latin-1 byte are read and reported with a warning, not refused', () => {
  const edf = readEdfFile(GENERATOR);
  const units = edf.signals.map((s) => s.header.physicalDimension);
  assert.equal(units.filter((u) => u === '\u00b0').length, 2);
  assert.ok(edf.header.warnings.some((w) => w.includes('non-ASCII') && w.includes('signal 9')));
});

test('EDF+ annotations (TALs) of test_edfann.edf: onsets, durations and texts', () => {
  const edf = readEdfFile(join(EDF_FIXTURES, 'test_edfann.edf'));
  assert.equal(edf.signals.length, 0);
  assert.equal(edf.annotations.length, 856);
  const counts = new Map<string, number>();
  for (const a of edf.annotations) counts.set(a.text, (counts.get(a.text) ?? 0) + 1);
  assert.equal(counts.get('Sleep stage W'), 151);
  assert.equal(counts.get('Sleep stage N2'), 430);
  assert.deepEqual(edf.annotations[2], { onset: 33.43, duration: 0, text: 'Lights off@@EEG F4-A1' });
  for (let i = 1; i < edf.annotations.length; i++)
    assert.ok(
      (edf.annotations[i] as { onset: number }).onset >= (edf.annotations[i - 1] as { onset: number }).onset,
    );
});

test('inspect reports signals, physical range and annotation counts, never the patient field', () => {
  const result = inspectEdf(GENERATOR) as {
    format: string;
    signals: { name: string; sum: number; first: number[]; physical: { min: number; max: number } }[];
    patientField: string;
  };
  assert.equal(result.format, 'edf');
  assert.equal(result.signals.length, 11);
  const pulse = result.signals.find((s) => s.name === 'pulse');
  assert.deepEqual(pulse?.first, [3276, 3276, 3276, 3276, 0, 0, 0, 0, 0, 0]);
  assert.ok(Math.abs((pulse?.physical.min ?? 0) - 0.0153) < 1e-4);
  assert.doesNotMatch(JSON.stringify(result), /X X X X/);
  assert.equal(result.patientField, 'present (not shown)');
});

test('the whole test_generator_2.edf matches MNE minima and maxima (when the shared data is beside the checkout)', (t) => {
  if (!sharedPresent(t, SHARED_EDF, MNE_REFERENCE)) return;
  const reference = JSON.parse(readFileSync(MNE_REFERENCE, 'utf8')) as {
    signals: Record<string, { min: number; max: number }>;
  };
  const result = inspectEdf(SHARED_EDF) as {
    signals: { name: string; physical: { min: number; max: number } }[];
  };
  for (const signal of result.signals) {
    const peer = reference.signals[signal.name];
    assert.ok(peer !== undefined, `MNE reports ${signal.name}`);
    assert.ok(
      Math.abs(signal.physical.min - peer.min) < 1e-4,
      `${signal.name} min ${signal.physical.min} vs ${peer.min}`,
    );
    assert.ok(
      Math.abs(signal.physical.max - peer.max) < 1e-4,
      `${signal.name} max ${signal.physical.max} vs ${peer.max}`,
    );
  }
});

test('bad EDF input is refused with the file and the problem named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'attest-edf-'));
  try {
    const good = readFileSync(GENERATOR);
    const write = (name: string, bytes: Uint8Array): string => {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      return path;
    };
    const patch = (offset: number, text: string): Buffer => {
      const copy = Buffer.from(good);
      copy.write(text, offset, 'latin1');
      return copy;
    };
    const cases: [string, string, RegExp][] = [
      [
        write('truncated.edf', good.subarray(0, good.length - 100)),
        'truncated',
        /truncated: the header announces 20 data records/,
      ],
      [write('header-only.edf', good.subarray(0, 200)), 'short', /too short for an EDF header/],
      [write('wrong-size.edf', patch(184, '9999    ')), 'size', /header size field says 9999 bytes/],
      [write('absurd-ns.edf', patch(252, '9999')), 'signals', /number of signals 9999/],
      [
        write('not-number.edf', patch(236, 'twenty  ')),
        'records',
        /"number of data records" at byte 236 is not a number/,
      ],
      [write('version.edf', patch(0, 'PK\u0003\u0004    ')), 'version', /not an EDF file/],
      [write('negative.edf', patch(236, '-5      ')), 'negative', /is negative/],
      [write('control.edf', patch(8, '\u0001')), 'control', /control byte 0x1 in field "patient"/],
      [join(dir, 'missing.edf'), 'missing', /no such file/],
    ];
    for (const [path, label, pattern] of cases) {
      assert.throws(
        () => readEdfFile(path),
        (error: unknown) =>
          error instanceof AttestError &&
          error.code === 'BAD_INPUT' &&
          error.message.includes(path) &&
          pattern.test(error.message),
        label,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
