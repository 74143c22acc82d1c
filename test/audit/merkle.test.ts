import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  consistencyProof,
  inclusionProof,
  leafHash,
  merkleRoot,
  nodeHash,
  verifyConsistency,
  verifyInclusion,
} from '../../src-main/core/audit/merkle.js';

// The RFC 6962 reference leaves and tree heads (published by the Certificate Transparency projects).
const LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map((h) => Buffer.from(h, 'hex'));
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

test('tree heads match the RFC 6962 reference for every size 0..8', () => {
  for (let n = 0; n <= 8; n++)
    assert.equal(merkleRoot(LEAVES.slice(0, n)).toString('hex'), ROOTS[n], `size ${n}`);
});

test('leaf and node hashing use the 0x00 and 0x01 prefixes', () => {
  const [a, b] = [leafHash(LEAVES[0] as Buffer), leafHash(LEAVES[1] as Buffer)];
  assert.equal(a.toString('hex'), ROOTS[1]);
  assert.equal(nodeHash(a, b).toString('hex'), ROOTS[2]);
});

test('the RFC 6962 reference audit paths, and every path of trees up to 33 leaves, verify; wrong ones do not', () => {
  const path0 = inclusionProof(LEAVES, 0).map((p) => p.toString('hex'));
  assert.deepEqual(path0, [
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
  ]);
  const path5 = inclusionProof(LEAVES, 5).map((p) => p.toString('hex'));
  assert.deepEqual(path5, [
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  ]);
  const many = Array.from({ length: 33 }, (_, i) => Buffer.from(`event-${i}`));
  for (let n = 1; n <= many.length; n++) {
    const leaves = many.slice(0, n);
    const root = merkleRoot(leaves);
    for (let i = 0; i < n; i++) {
      const proof = inclusionProof(leaves, i);
      assert.ok(verifyInclusion(leaves[i] as Buffer, i, n, proof, root), `n=${n} i=${i}`);
      if (n > 1) {
        assert.ok(
          !verifyInclusion(leaves[(i + 1) % n] as Buffer, i, n, proof, root),
          `wrong leaf n=${n} i=${i}`,
        );
        assert.ok(
          !verifyInclusion(leaves[i] as Buffer, (i + 1) % n, n, proof, root),
          `wrong index n=${n} i=${i}`,
        );
      }
    }
  }
});

test('consistency proofs match the RFC 6962 reference and verify between every pair of sizes; others fail', () => {
  assert.deepEqual(
    consistencyProof(LEAVES, 2).map((p) => p.toString('hex')),
    [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  );
  assert.deepEqual(
    consistencyProof(LEAVES, 6).map((p) => p.toString('hex')),
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  );
  const many = Array.from({ length: 20 }, (_, i) => Buffer.from(`event-${i}`));
  for (let n = 1; n <= many.length; n++) {
    const second = merkleRoot(many.slice(0, n));
    for (let m = 1; m <= n; m++) {
      const first = merkleRoot(many.slice(0, m));
      const proof = consistencyProof(many.slice(0, n), m);
      assert.ok(verifyConsistency(m, n, proof, first, second), `m=${m} n=${n}`);
      if (m < n) {
        // A history rewritten before m: the old head no longer fits the new tree.
        const rewritten = [...many.slice(0, n)];
        rewritten[m - 1] = Buffer.from('forged');
        assert.ok(
          !verifyConsistency(m, n, consistencyProof(rewritten, m), first, merkleRoot(rewritten)),
          `forged m=${m} n=${n}`,
        );
      }
    }
  }
});
