import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import {
  ACTIONS,
  IMAGE_FITS,
  IMAGE_FORMATS,
  IMAGE_GENERATORS,
  jobSpecSchema,
} from '../../src-main/contract/index.js';
import { FITS } from '../../src-main/core/data/images/preprocess.js';
import { COMMANDS } from '../../src-main/cli/commands/index.js';

const parses = (schema: z.ZodType, value: unknown) => schema.safeParse(value).success;

test('the image job constants are the core and CLI ones: every format and generator has its command', () => {
  assert.deepEqual([...IMAGE_FITS], [...FITS]);
  const paths = COMMANDS.map((c) => c.path.join(' '));
  for (const format of IMAGE_FORMATS) assert.ok(paths.includes(`import ${format}`), format);
  for (const generator of IMAGE_GENERATORS) assert.ok(paths.includes(`generate ${generator}`), generator);
  for (const command of ['projects add', 'projects list', 'projects rename'])
    assert.ok(paths.includes(command));
  // --project on every import (datasets and models made elsewhere) and on train, nowhere else.
  for (const c of COMMANDS)
    assert.equal(
      c.usage.includes('[--project NAME|ID]'),
      c.path[0] === 'import' || ['train', 'models import'].includes(c.path.join(' ')),
      c.path.join(' '),
    );
});

test('image jobs: sound requests pass; paths outside the home, absurd sizes and unknown fields are refused', () => {
  const importing = {
    kind: 'import-images',
    format: 'dicom',
    name: 'mammograms',
    paths: ['/data/mammo'],
    size: 64,
    split: 'groups:1:0.3',
    window: { center: 2048, width: 4096 },
  };
  const generating = {
    kind: 'generate-images',
    generator: 'mammograms',
    folder: 'mammograms-1',
    patients: 3,
  };
  assert.ok(parses(jobSpecSchema, importing));
  assert.ok(parses(jobSpecSchema, { ...importing, format: 'images', paths: [], csv: '/data/labels.csv' }));
  assert.ok(parses(jobSpecSchema, generating));
  assert.ok(parses(jobSpecSchema, { kind: 'audit-bundle-project', projectId: 'prj-default' }));
  for (const bad of [
    { ...importing, format: 'exe' },
    { ...importing, size: 4 },
    { ...importing, window: { center: 0, width: 0 } },
    { ...importing, window: { center: 0, width: 10, function: 'SIGMOID' } },
    { ...importing, paths: Array.from({ length: 201 }, () => '/x') },
    { ...importing, name: '  ' },
    { ...importing, shell: 'rm -rf /' },
    { ...generating, folder: '../outside' },
    { ...generating, folder: '/tmp/x' },
    { ...generating, folder: 'a/b' },
    { ...generating, folder: '.hidden' },
    { ...generating, generator: 'faces' },
    { ...generating, patients: 1 },
    { kind: 'audit-bundle-project' },
  ])
    assert.equal(parses(jobSpecSchema, bad), false, JSON.stringify(bad));
});

test('image and project actions: bounded requests, and thumbnails that can only be PNG data addresses', () => {
  const preview = ACTIONS['images.preview'].request;
  assert.ok(parses(preview, { format: 'voc', paths: ['/data/flights'], groupBy: 'folder', limit: 48 }));
  assert.equal(parses(preview, { format: 'voc', paths: ['/x'], limit: 49 }), false);
  assert.equal(parses(preview, { format: 'voc', paths: ['/x'], groupBy: 'patient' }), false);
  const thumbs = ACTIONS['images.thumbnails'];
  assert.ok(parses(thumbs.request, { datasetId: 'ds-1', count: 24 }));
  assert.equal(parses(thumbs.request, { datasetId: 'ds-1', indices: [] }), false);
  assert.equal(parses(thumbs.request, { datasetId: 'ds-1', indices: [-1] }), false);
  const answer = (png: string) => ({
    height: 1,
    width: 1,
    channels: 1,
    classes: ['a'],
    count: 1,
    images: [{ index: 0, label: 'a', group: 'g', split: 'train', png }],
  });
  assert.ok(parses(thumbs.response, answer('data:image/png;base64,iVBORw0KGgo=')));
  for (const png of [
    'file:///etc/passwd',
    'data:text/html;base64,PHNjcmlwdD4=',
    'data:image/png;base64,"><script>',
  ])
    assert.equal(parses(thumbs.response, answer(png)), false, png);

  assert.ok(parses(ACTIONS['projects.create'].request, { name: 'Mammography' }));
  for (const name of ['', '   ', 'x'.repeat(101)])
    assert.equal(parses(ACTIONS['projects.create'].request, { name }), false, name);
  const assign = ACTIONS['projects.assign'].request;
  assert.ok(parses(assign, { projectId: 'prj-1', entityType: 'dataset', entityId: 'ds-1' }));
  assert.equal(parses(assign, { projectId: 'prj-1', entityType: 'validation', entityId: 'v-1' }), false);
  const start = ACTIONS['projects.startJob'].request;
  assert.ok(parses(start, { projectId: 'prj-1', spec: { kind: 'measure', modelId: 'm-1' } }));
  assert.equal(parses(start, { projectId: 'prj-1', spec: { kind: 'measure', modelId: 'm-1', x: 1 } }), false);
  assert.equal(parses(start, { projectId: 'prj-1' }), false);
});
