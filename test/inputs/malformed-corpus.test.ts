import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { Workspace } from '../../src-main/core/store/workspace.js';
import { AttestError } from '../../src-main/core/errors.js';
import { tempHome } from '../helpers/temp-home.js';
import { runCli } from '../helpers/run-cli.js';
import { runImporter, storedState, type ImportInputs, type Importer } from './run-importer.js';
import {
  beatCsv,
  beatRows,
  centralDirectoryOffset,
  medmnistEntries,
  npy,
  npz,
  pngDeclaring,
  vocXml,
} from './input-files.js';

/*
 * The corpus of malformed inputs, one case per way a file can be wrong, each with its expected outcome: the
 * import either succeeds (the valid file each case is derived from) or is refused as bad input with a message
 * naming the file and the place, leaving no dataset, audit event or artifact behind.
 */

interface Case {
  name: string;
  importer: Importer;
  build(dir: string): ImportInputs | Promise<ImportInputs>;
  /** 'imports', or the refusal's message (which must also name `names`, the file at fault). */
  expect: 'imports' | { message: RegExp; names: string };
}

const ROWS = beatRows(30, 20);

function write(dir: string, name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

function npyPair(dir: string, windows: number[], labels: number[], labelType: '<i8' | '<f8' = '<i8') {
  return {
    inputs: [write(dir, 'beats.npy', npy('<f4', [ROWS.windows.length, 20], windows))],
    labels: [write(dir, 'labels.npy', npy(labelType, [labels.length], labels))],
  };
}

const flat = ROWS.windows.flat();
const withValue = (index: number, value: number) => flat.map((v, i) => (i === index ? value : v));

async function png(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 90, g: 120, b: 160 } } })
    .png()
    .toBuffer();
}

/** Two flights of one frame each (boxes of two classes); `first` replaces the first frame's XML. */
async function vocFolder(dir: string, first?: string): Promise<string> {
  const root = join(dir, 'voc');
  for (const [k, flight] of ['flight-01', 'flight-02', 'flight-03'].entries()) {
    mkdirSync(join(root, flight), { recursive: true });
    writeFileSync(join(root, flight, `f${k}.png`), await png(64, 48));
    writeFileSync(
      join(root, flight, `f${k}.xml`),
      k === 0 && first !== undefined ? first : vocXml(`f${k}.png`, ['insulator', 'defect']),
    );
  }
  return root;
}

const entries = medmnistEntries();
const floatImages = (value: number) => ({
  ...entries,
  'train_images.npy': npy(
    '<f4',
    [8, 8, 8],
    Array.from({ length: 512 }, (_, i) => (i === 64 + 3 * 8 + 4 ? value : 0.5)),
  ),
});

const CASES: Case[] = [
  {
    name: 'npy: valid beats and labels',
    importer: 'npy',
    build: (d) => npyPair(d, flat, ROWS.labels),
    expect: 'imports',
  },
  {
    name: 'npy: a NaN sample',
    importer: 'npy',
    build: (d) => npyPair(d, withValue(2 * 20 + 4, NaN), ROWS.labels),
    expect: { message: /row 3, column 5 holds NaN/, names: 'beats.npy' },
  },
  {
    name: 'npy: an infinite sample',
    importer: 'npy',
    build: (d) => npyPair(d, withValue(7 * 20, Infinity), ROWS.labels),
    expect: { message: /row 8, column 1 holds Infinity/, names: 'beats.npy' },
  },
  {
    name: 'npy: an infinite label',
    importer: 'npy',
    build: (d) =>
      npyPair(
        d,
        flat,
        ROWS.labels.map((l, i) => (i === 11 ? -Infinity : l)),
        '<f8',
      ),
    expect: { message: /row 12 holds -Infinity/, names: 'labels.npy' },
  },
  {
    name: 'npy: data cut short',
    importer: 'npy',
    build: (d) => {
      const pair = npyPair(d, flat, ROWS.labels);
      const bytes = npy('<f4', [30, 20], flat);
      writeFileSync(pair.inputs[0] as string, bytes.subarray(0, bytes.length - 9));
      return pair;
    },
    expect: { message: /truncated/, names: 'beats.npy' },
  },
  {
    name: 'npy: a shape of a trillion rows in a small file',
    importer: 'npy',
    build: (d) => ({
      inputs: [write(d, 'beats.npy', npy('<f4', [1e12, 20], flat))],
      labels: [write(d, 'labels.npy', npy('<i8', [30], ROWS.labels))],
    }),
    expect: { message: /truncated: shape \(1000000000000, 20\)/, names: 'beats.npy' },
  },
  {
    name: 'csv: valid beats',
    importer: 'csv',
    build: (d) => ({ inputs: [write(d, 'beats.csv', beatCsv(ROWS))] }),
    expect: 'imports',
  },
  {
    name: 'csv: 1e999 (an infinity written as a number)',
    importer: 'csv',
    build: (d) => ({
      inputs: [
        write(
          d,
          'beats.csv',
          beatCsv(ROWS).replace(
            /^([^\n]*\n)([^,]*,){6}[^,]*/,
            (m, l1: string) => `${l1}${m.slice(l1.length).split(',').slice(0, 6).join(',')},1e999`,
          ),
        ),
      ],
    }),
    expect: { message: /line 2, column 7: "1e999" is beyond the range/, names: 'beats.csv' },
  },
  {
    name: 'csv: a NaN cell',
    importer: 'csv',
    build: (d) => ({
      inputs: [write(d, 'beats.csv', beatCsv(ROWS).replace(/^((?:[^\n]*\n){2})[^,]*/, '$1NaN'))],
    }),
    expect: { message: /line 3, column 1: "NaN" is not a number/, names: 'beats.csv' },
  },
  {
    name: 'npz: valid archive',
    importer: 'npz',
    build: (d) => ({ inputs: [write(d, 'a.npz', npz(entries))] }),
    expect: 'imports',
  },
  {
    name: 'npz: one flipped byte in a stored entry',
    importer: 'npz',
    build: (d) => {
      const bytes = npz(entries, 0);
      bytes[200] = (bytes[200] as number) ^ 0x10;
      return { inputs: [write(d, 'a.npz', bytes)] };
    },
    expect: { message: /fails its CRC-32 check/, names: 'a.npz' },
  },
  {
    name: 'npz: an entry declaring 4 GB',
    importer: 'npz',
    build: (d) => {
      const bytes = npz(entries);
      new DataView(bytes.buffer).setUint32(centralDirectoryOffset(bytes) + 24, 0xfffffffe, true);
      return { inputs: [write(d, 'a.npz', bytes)] };
    },
    expect: { message: /declares 4295\.0 MB uncompressed, above the limit/, names: 'a.npz' },
  },
  {
    name: 'npz: 30,000 blank images in a few kilobytes (a decompression bomb)',
    importer: 'npz',
    build: (d) => ({
      inputs: [
        write(
          d,
          'a.npz',
          npz(
            {
              'train_images.npy': npy('|u1', [30_000, 28, 28], new Uint8Array(30_000 * 784)),
              'train_labels.npy': npy('|u1', [30_000, 1], new Uint8Array(30_000)),
            },
            9,
          ),
        ),
      ],
    }),
    expect: {
      message: /train_images\.npy would expand .* refused as a likely decompression bomb/,
      names: 'a.npz',
    },
  },
  {
    name: 'npz: archive cut off',
    importer: 'npz',
    build: (d) => {
      const bytes = npz(entries);
      return { inputs: [write(d, 'a.npz', bytes.subarray(0, bytes.length - 40))] };
    },
    expect: { message: /not a readable \.npz/, names: 'a.npz' },
  },
  {
    name: 'npz: a NaN pixel',
    importer: 'npz',
    build: (d) => ({ inputs: [write(d, 'a.npz', npz(floatImages(NaN)))] }),
    expect: {
      message: /train_images\.npy: item 2, at \[3, 4\] within it \(counting from 0\) holds NaN/,
      names: 'a.npz',
    },
  },
  {
    name: 'npz: an infinite label',
    importer: 'npz',
    build: (d) => ({
      inputs: [
        write(d, 'a.npz', npz({ ...entries, 'test_labels.npy': npy('<f8', [4, 1], [0, 1, Infinity, 1]) })),
      ],
    }),
    expect: { message: /test_labels\.npy: row 3, column 1 holds Infinity/, names: 'a.npz' },
  },
  {
    name: 'npz: a fractional label',
    importer: 'npz',
    build: (d) => ({
      inputs: [write(d, 'a.npz', npz({ ...entries, 'test_labels.npy': npy('<f8', [4, 1], [0, 1, 2.5, 1]) }))],
    }),
    expect: { message: /test_labels row 3 holds 2\.5; labels must be whole class numbers/, names: 'a.npz' },
  },
  {
    name: 'voc: valid frames',
    importer: 'voc',
    build: async (d) => ({ inputs: [await vocFolder(d)] }),
    expect: 'imports',
  },
  {
    name: 'voc: an XML cut off after its first object',
    importer: 'voc',
    build: async (d) => ({
      inputs: [
        await vocFolder(
          d,
          vocXml('f0.png', ['insulator', 'defect']).split('<object>').slice(0, 2).join('<object>'),
        ),
      ],
    }),
    expect: { message: /malformed VOC XML at line \d+/, names: 'f0.xml' },
  },
  {
    name: 'voc: a DOCTYPE with an entity',
    importer: 'voc',
    build: async (d) => ({
      inputs: [
        await vocFolder(
          d,
          vocXml('f0.png&x;').replace('<annotation>', '<!DOCTYPE annotation [<!ENTITY x "">]>\n<annotation>'),
        ),
      ],
    }),
    expect: { message: /DOCTYPE is refused/, names: 'f0.xml' },
  },
  {
    name: 'voc: an undeclared entity',
    importer: 'voc',
    build: async (d) => ({ inputs: [await vocFolder(d, vocXml('f0.png&ext;'))] }),
    expect: { message: /entity "&ext;"/, names: 'f0.xml' },
  },
  {
    name: 'voc: a <filename> outside the dataset folder',
    importer: 'voc',
    build: async (d) => {
      writeFileSync(join(d, 'x.png'), await png(64, 48));
      return { inputs: [await vocFolder(d, vocXml('../../x.png'))] };
    },
    expect: { message: /"\.\.\/\.\.\/x\.png" it names lies outside the dataset folder/, names: 'f0.xml' },
  },
  {
    name: 'voc: a PNG declaring 16000 x 16000 pixels',
    importer: 'voc',
    build: async (d) => {
      const root = await vocFolder(d);
      writeFileSync(join(root, 'flight-01', 'f0.png'), pngDeclaring(16000, 16000));
      return { inputs: [root] };
    },
    expect: { message: /declares 16000 x 16000 pixels \(256 megapixels\), above the limit/, names: 'f0.png' },
  },
  {
    name: 'detection: valid frames',
    importer: 'detection',
    build: async (d) => ({ inputs: [await vocFolder(d)] }),
    expect: 'imports',
  },
  {
    name: 'detection: a <filename> outside the dataset folder',
    importer: 'detection',
    build: async (d) => {
      writeFileSync(join(d, 'x.png'), await png(64, 48));
      return { inputs: [await vocFolder(d, vocXml('../../x.png'))] };
    },
    expect: { message: /lies outside the dataset folder/, names: 'f0.xml' },
  },
  {
    name: 'detection: a cut-off XML',
    importer: 'detection',
    build: async (d) => ({ inputs: [await vocFolder(d, vocXml('f0.png').slice(0, 120))] }),
    expect: { message: /malformed VOC XML/, names: 'f0.xml' },
  },
  {
    name: 'images: a PNG declaring 16000 x 16000 pixels among valid ones',
    importer: 'images',
    build: async (d) => {
      for (const label of ['a', 'b']) {
        mkdirSync(join(d, 'classes', label), { recursive: true });
        writeFileSync(join(d, 'classes', label, '1.png'), await png(16, 16));
      }
      writeFileSync(join(d, 'classes', 'b', 'big.png'), pngDeclaring(16000, 16000));
      return { inputs: [join(d, 'classes')] };
    },
    expect: { message: /declares 16000 x 16000 pixels/, names: 'big.png' },
  },
];

for (const c of CASES) {
  test(`corpus: ${c.name}: ${c.expect === 'imports' ? 'imports' : 'refused, nothing stored'}`, async () => {
    const home = tempHome('corpus');
    const workspace = Workspace.open(join(home.dir, 'home'));
    try {
      const inputs = await c.build(home.dir);
      const before = storedState(workspace);
      if (c.expect === 'imports') {
        const id = await runImporter(workspace, c.importer, inputs);
        assert.match(id, /^ds-/);
        assert.equal(storedState(workspace).datasets, before.datasets + 1);
        return;
      }
      const expected = c.expect;
      await assert.rejects(
        Promise.resolve().then(() => runImporter(workspace, c.importer, inputs)),
        (error: unknown) => {
          assert.ok(error instanceof AttestError, `not an AttestError: ${String(error)}`);
          assert.equal(error.code, 'BAD_INPUT');
          assert.match(error.message, expected.message);
          assert.ok(
            error.message.includes(expected.names),
            `${error.message} does not name ${expected.names}`,
          );
          return true;
        },
      );
      assert.deepEqual(storedState(workspace), before);
    } finally {
      workspace.close();
      home.cleanup();
    }
  });
}

test('corpus through the CLI: a refused import exits 2 with one JSON object naming the file', async () => {
  const home = tempHome('corpus-cli');
  try {
    const bytes = npz(entries, 0);
    bytes[200] = (bytes[200] as number) ^ 0x10;
    const file = write(home.dir, 'flipped.npz', bytes);
    const run = await runCli(['--home', join(home.dir, 'h'), 'import', 'npz', file, '--name', 'x', '--json']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(JSON.stringify(run.json), /flipped\.npz: entry .* fails its CRC-32 check/);
    const csv = write(home.dir, 'inf.csv', beatCsv(ROWS).replace(/^[^,]*/, '1e999'));
    const second = await runCli([
      '--home',
      join(home.dir, 'h'),
      'import',
      'csv',
      csv,
      '--name',
      'y',
      '--split',
      'beats:1:0.3',
      '--fs',
      '360',
      '--json',
    ]);
    assert.equal(second.code, 2, second.stderr);
    assert.match(JSON.stringify(second.json), /inf\.csv: line 1, column 1: \\"1e999\\" is beyond the range/);
  } finally {
    home.cleanup();
  }
});
