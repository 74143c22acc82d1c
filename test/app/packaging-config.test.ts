import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOST_ENTRY } from '../../src-main/server/dispatch/fork-host.js';
import { tempHome } from '../helpers/temp-home.js';

/**
 * The packaging configuration checked against the built app, without Electron and without any download: what
 * the packaged app loads at run time is inside `files`, the resources it opens are copied, every native library
 * of a production dependency is unpacked from the asar, and the fuses are set. Needs `npm run build` first.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface BuilderConfig {
  files: string[];
  extraResources: { from: string; to: string; filter: string[] }[];
  asar: boolean;
  asarUnpack: string[];
  electronFuses: Record<string, boolean>;
  linux: { target: string[] };
  win: { target: string[] };
  mac: { target: string[]; hardenedRuntime: boolean };
}

function readConfig(): BuilderConfig {
  // js-yaml is what electron-builder itself reads its configuration with (a dependency of app-builder-lib).
  const require = createRequire(join(ROOT, 'node_modules', 'app-builder-lib', 'package.json'));
  const yaml = require('js-yaml') as { load(text: string): unknown };
  return yaml.load(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
}

/** electron-builder's patterns as far as this file uses them: `**` any folders, `*` within a name. */
function globMatches(pattern: string, path: string): boolean {
  const source = pattern
    .split('**/')
    .map((part) =>
      part
        .split('**')
        .map((p) =>
          p
            .split('*')
            .map((q) => q.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
            .join('[^/]*'),
        )
        .join('.*'),
    )
    .join('(?:.*/)?');
  return new RegExp(`^${source}$`).test(path);
}

function packaged(files: string[], path: string): boolean {
  let included = false;
  for (const pattern of files)
    if (pattern.startsWith('!')) {
      if (globMatches(pattern.slice(1), path)) included = false;
    } else if (globMatches(pattern, path)) included = true;
  return included;
}

const fromRoot = (path: string) => relative(ROOT, path).split(sep).join('/');

test('the packaged app holds what it loads at run time: main, preload, engine host, UI, resources', () => {
  const config = readConfig();
  const main = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main: string }).main;
  const loaded = [
    main,
    'dist/src-main/preload/preload.cjs',
    fromRoot(HOST_ENTRY),
    'dist/src-renderer/index.html',
    'package.json',
  ];
  for (const path of loaded) {
    assert.ok(existsSync(join(ROOT, path)), `${path} is not built: run npm run build`);
    assert.ok(packaged(config.files, path), `${path} is not in electron-builder.yml files`);
  }
  // The UI's scripts and styles, whatever vite named them, and nothing of the tests or benches.
  const assets = readdirSync(join(ROOT, 'dist', 'src-renderer', 'assets'));
  assert.ok(assets.length > 0);
  for (const asset of assets)
    assert.ok(packaged(config.files, `dist/src-renderer/assets/${asset}`), `asset ${asset} not packaged`);
  assert.equal(packaged(config.files, 'dist/test/app/packaging-config.test.js'), false);
  assert.equal(packaged(config.files, 'dist/bench/bench.js'), false);
  // Every positive pattern names something that exists: a typo would silently leave it out of the installer.
  for (const pattern of config.files.filter((p) => !p.startsWith('!'))) {
    const base = pattern.split('/').filter((part) => !part.includes('*'));
    assert.ok(existsSync(join(ROOT, ...base)), `files pattern ${pattern}: ${base.join('/')} does not exist`);
  }

  // resourcesDir() looks for <resources>/resources/mitdb in a packaged app: the sample and noise records.
  const resources = config.extraResources.find((r) => r.from === 'resources');
  assert.equal(resources?.to, 'resources');
  for (const filter of resources?.filter ?? []) {
    const base = filter.split('/').filter((part) => !part.includes('*'));
    assert.ok(
      existsSync(join(ROOT, 'resources', ...base)),
      `extraResources filter ${filter} matches nothing`,
    );
  }
  for (const needed of ['mitdb/100.hea', 'nstdb/em.hea', 'ATTRIBUTION.md'])
    if (existsSync(join(ROOT, 'resources', needed)))
      assert.ok(
        (resources?.filter ?? []).some((f) => globMatches(f, needed)),
        `resources/${needed} is not copied`,
      );
});

/** Native libraries (.node addons and the shared libraries they load) of a package folder, not nested packages. */
function nativeFiles(dir: string, found: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const path = join(dir, name);
    const stats = statSync(path, { throwIfNoEntry: false });
    if (stats === undefined) continue;
    if (stats.isDirectory()) nativeFiles(path, found);
    else if (/\.(node|dll|dylib)$|\.so(\.\d+)*$/.test(name)) found.push(fromRoot(path));
  }
  return found;
}

test('every native library of a production dependency is unpacked from the asar, and the fuses are set', () => {
  const config = readConfig();
  assert.equal(config.asar, true);
  // Production packages (transitively) are those the lock file does not mark as development-only.
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  const production = Object.entries(lock.packages)
    .filter(([path, entry]) => path.startsWith('node_modules/') && entry.dev !== true)
    .map(([path]) => path)
    .filter((path) => existsSync(join(ROOT, path)));
  const natives = production.flatMap((path) => nativeFiles(join(ROOT, path)));
  // On this machine at least SQLite's addon is built; ONNX Runtime and sharp bring theirs prebuilt.
  assert.ok(
    natives.some((f) => f.endsWith('better_sqlite3.node')),
    'better-sqlite3 is built (npm ci)',
  );
  const packed = natives.filter((file) => !config.asarUnpack.some((pattern) => globMatches(pattern, file)));
  assert.deepEqual(packed, [], 'native libraries left inside the asar cannot be loaded');
  assert.ok(natives.some((f) => f.startsWith('node_modules/onnxruntime-node/')));

  assert.deepEqual(config.electronFuses, {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    loadBrowserProcessSpecificV8Snapshot: false,
    grantFileProtocolExtraPrivileges: false,
  });
  assert.deepEqual(config.linux.target, ['AppImage', 'deb']);
  assert.deepEqual(config.win.target, ['nsis']);
  assert.deepEqual(config.mac.target, ['dmg']);
});

function dryRun(env: Record<string, string>) {
  const run = spawnSync(process.execPath, [join(ROOT, 'scripts', 'dist.js'), '--dry-run'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '', ...env },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

test('npm run dist takes Electron from this machine only, and says where to put one when there is none', () => {
  const home = tempHome('attest-dist');
  try {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
      optionalDependencies: Record<string, string>;
    };
    assert.match(pkg.scripts['dist'] ?? '', /npm run build && node scripts\/dist\.js/);
    const version = (pkg.optionalDependencies['electron'] ?? '').replace(/^[\^~]/, '');
    const zip = `electron-v${version}-${process.platform}-${process.arch}.zip`;
    const emptyCache = join(home.dir, 'empty-cache');
    mkdirSync(emptyCache);
    const isolated = { HOME: home.dir, XDG_CACHE_HOME: emptyCache, ELECTRON_CACHE: emptyCache };

    // A folder named by ATTEST_ELECTRON_DIST holding the release zip: used as electronDist.
    const zips = join(home.dir, 'zips');
    mkdirSync(zips);
    writeFileSync(join(zips, zip), 'zip');
    const named = dryRun({ ...isolated, ATTEST_ELECTRON_DIST: zips });
    assert.equal(named.status, 0, named.stderr);
    const plan = JSON.parse(named.stdout) as {
      electronVersion: string;
      electronDist: string;
      args: string[];
    };
    assert.equal(plan.electronVersion, version);
    assert.equal(plan.electronDist, zips);
    assert.ok(plan.args.includes(`--config.electronDist=${zips}`));
    assert.ok(plan.args.includes(`--config.electronVersion=${version}`));
    assert.ok(plan.args.includes('never'), 'nothing is published');

    // A folder that holds no Electron is refused with its name.
    const wrong = dryRun({ ...isolated, ATTEST_ELECTRON_DIST: emptyCache });
    assert.equal(wrong.status, 2);
    assert.match(
      wrong.stderr,
      new RegExp(`holds neither an unpacked Electron .* nor ${zip.replace(/\./g, '\\.')}`),
    );

    const installed = existsSync(join(ROOT, 'node_modules', 'electron', 'dist'));
    // The zip in Electron's cache (one folder down, as @electron/get keeps it): found there.
    const cache = join(home.dir, 'cache');
    mkdirSync(join(cache, 'c0ffee'), { recursive: true });
    writeFileSync(join(cache, 'c0ffee', zip), 'zip');
    const cached = dryRun({ ...isolated, ELECTRON_CACHE: cache });
    assert.equal(cached.status, 0, cached.stderr);
    assert.equal(
      (JSON.parse(cached.stdout) as { electronDist: string }).electronDist,
      installed ? join(ROOT, 'node_modules', 'electron', 'dist') : join(cache, 'c0ffee'),
    );

    // No Electron anywhere (as on this build machine, where the download is blocked): exit 2 and what to do.
    if (!installed) {
      const none = dryRun(isolated);
      assert.equal(none.status, 2);
      assert.match(none.stderr, new RegExp(`no Electron ${version.replace(/\./g, '\\.')} for`));
      assert.match(none.stderr, /ATTEST_ELECTRON_DIST/);
      assert.equal(none.stdout, '');
    }
  } finally {
    home.cleanup();
  }
});
