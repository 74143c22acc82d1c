import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { exitCodeFor } from '../../src-main/core/errors.js';
import { createRng, deriveSeed } from '../../src-main/core/engine/seed.js';
import { tempHome } from '../helpers/temp-home.js';
import { runImporter, storedState, type ImportInputs, type Importer } from './run-importer.js';
import { beatCsv, beatRows, medmnistEntries, npy, npz, vocXml } from './input-files.js';

/*
 * Seeded fuzzing of each importer with mutated bytes of a valid file: flipped bits, overwritten runs, cut-off
 * ends, duplicated and deleted spans. Every run must end as the CLI's exit 0 (imported) or 2 (refused as bad
 * input), never as an internal error or a crash, and a refused run must leave the store as it found it.
 * A failure names the importer, seed and mutation so that it can be replayed; ATTEST_FUZZ_SEED picks another seed.
 */

const SEED = Number(process.env['ATTEST_FUZZ_SEED'] ?? 20261207);
/** A few dozen by default (the suite stays quick); ATTEST_FUZZ_RUNS=1000 for a deeper pass. */
const RUNS = Number(process.env['ATTEST_FUZZ_RUNS'] ?? 30);

function mutate(bytes: Uint8Array, random: () => number): { bytes: Uint8Array; how: string } {
  const at = (n = bytes.length) => Math.floor(random() * n);
  const kind = Math.floor(random() * 5);
  const out = Uint8Array.from(bytes);
  switch (kind) {
    case 0: {
      const flips = 1 + at(4);
      for (let k = 0; k < flips; k++) {
        const i = at();
        out[i] = (out[i] as number) ^ (1 << at(8));
      }
      return { bytes: out, how: `${flips} bit flip(s)` };
    }
    case 1: {
      const i = at();
      out.fill(random() < 0.5 ? 0xff : 0, i, i + 1 + at(16));
      return { bytes: out, how: `run overwritten at ${i}` };
    }
    case 2: {
      const end = at();
      return { bytes: out.subarray(0, end), how: `cut at ${end}` };
    }
    case 3: {
      const i = at();
      const span = out.subarray(i, i + 1 + at(32));
      return {
        bytes: Buffer.concat([out.subarray(0, i), span, out.subarray(i)]),
        how: `span at ${i} doubled`,
      };
    }
    default: {
      const i = at();
      const n = 1 + at(32);
      return {
        bytes: Buffer.concat([out.subarray(0, i), out.subarray(i + n)]),
        how: `${n} bytes deleted at ${i}`,
      };
    }
  }
}

interface Target {
  importer: Importer;
  /** Writes the valid inputs under `dir`; returns them and the file whose bytes are mutated. */
  setup(dir: string): Promise<{ inputs: ImportInputs; victim: string; valid: Uint8Array }>;
}

const ROWS = beatRows(30, 20);

async function png(seed: number): Promise<Buffer> {
  return sharp({
    create: { width: 64, height: 48, channels: 3, background: { r: seed * 40, g: 120, b: 160 } },
  })
    .png()
    .toBuffer();
}

async function vocFrames(dir: string): Promise<string> {
  for (const [k, flight] of ['flight-01', 'flight-02', 'flight-03'].entries()) {
    mkdirSync(join(dir, 'voc', flight), { recursive: true });
    writeFileSync(join(dir, 'voc', flight, `f${k}.png`), await png(k));
    writeFileSync(join(dir, 'voc', flight, `f${k}.xml`), vocXml(`f${k}.png`, ['insulator', 'defect']));
  }
  return join(dir, 'voc');
}

const TARGETS: Target[] = [
  {
    importer: 'npy',
    async setup(dir) {
      const valid = npy('<f4', [30, 20], ROWS.windows.flat());
      const beats = join(dir, 'beats.npy');
      const labels = join(dir, 'labels.npy');
      writeFileSync(beats, valid);
      writeFileSync(labels, npy('<i8', [30], ROWS.labels));
      return { inputs: { inputs: [beats], labels: [labels] }, victim: beats, valid };
    },
  },
  {
    importer: 'csv',
    async setup(dir) {
      const valid = new TextEncoder().encode(beatCsv(ROWS));
      const path = join(dir, 'beats.csv');
      writeFileSync(path, valid);
      return { inputs: { inputs: [path] }, victim: path, valid };
    },
  },
  {
    importer: 'npz',
    async setup(dir) {
      const valid = npz(medmnistEntries());
      const path = join(dir, 'a.npz');
      writeFileSync(path, valid);
      return { inputs: { inputs: [path] }, victim: path, valid };
    },
  },
  {
    importer: 'voc',
    async setup(dir) {
      const root = await vocFrames(dir);
      const victim = join(root, 'flight-01', 'f0.xml');
      return {
        inputs: { inputs: [root] },
        victim,
        valid: new TextEncoder().encode(vocXml('f0.png', ['insulator', 'defect'])),
      };
    },
  },
  {
    importer: 'detection',
    async setup(dir) {
      const root = await vocFrames(dir);
      const victim = join(root, 'flight-02', 'f1.png');
      return { inputs: { inputs: [root] }, victim, valid: await png(1) };
    },
  },
  {
    importer: 'images',
    async setup(dir) {
      for (const label of ['a', 'b']) {
        mkdirSync(join(dir, 'classes', label), { recursive: true });
        writeFileSync(join(dir, 'classes', label, '1.png'), await png(label === 'a' ? 1 : 2));
      }
      const victim = join(dir, 'classes', 'b', '1.png');
      return { inputs: { inputs: [join(dir, 'classes')] }, victim, valid: await png(2) };
    },
  },
];

for (const target of TARGETS) {
  test(`fuzz ${target.importer}: ${RUNS} seeded mutations each import (exit 0) or are refused as bad input (exit 2), storing nothing`, async () => {
    const home = tempHome(`fuzz-${target.importer}`);
    const workspace = Workspace.open(join(home.dir, 'home'));
    const random = createRng(deriveSeed(SEED, target.importer));
    const outcomes = { imported: 0, refused: 0 };
    try {
      const { inputs, victim, valid } = await target.setup(home.dir);
      for (let run = 0; run < RUNS; run++) {
        const { bytes, how } = mutate(valid, random);
        writeFileSync(victim, bytes);
        const before = storedState(workspace);
        const where = `${target.importer} run ${run} (seed ${SEED}): ${how}`;
        try {
          await runImporter(workspace, target.importer, inputs);
          outcomes.imported++;
        } catch (error) {
          assert.equal(
            exitCodeFor(error),
            2,
            `${where} ended with ${error instanceof Error ? error.stack : String(error)}`,
          );
          assert.deepEqual(storedState(workspace), before, `${where} left something stored`);
          outcomes.refused++;
        }
      }
      // The mutations must actually reach the reader: most of them break the file.
      assert.ok(outcomes.refused >= RUNS / 3, `only ${outcomes.refused} of ${RUNS} mutations were refused`);
    } finally {
      workspace.close();
      home.cleanup();
    }
  });
}
