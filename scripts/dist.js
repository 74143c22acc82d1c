#!/usr/bin/env node
/**
 * `npm run dist`: the desktop installer for this platform (AppImage and deb on Linux, NSIS on Windows, dmg on
 * macOS) with electron-builder, from an Electron already on this machine: the installed electron package, a
 * folder named by ATTEST_ELECTRON_DIST, or the release zip in Electron's download cache. Nothing is downloaded
 * by this script; without a local Electron it says where to put one and exits 2.
 *
 *   node scripts/dist.js            build the installer (after `npm run build`)
 *   node scripts/dist.js --dry-run  print what would be used, as one JSON object, and build nothing
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PLATFORMS = {
  linux: { flag: '--linux', targets: ['AppImage', 'deb'], binary: 'electron' },
  win32: { flag: '--win', targets: ['nsis'], binary: 'electron.exe' },
  darwin: { flag: '--mac', targets: ['dmg'], binary: 'Electron.app' },
};
/** What the packaged app loads at run time: built by `npm run build`, checked before electron-builder runs. */
const BUILT = [
  'dist/src-main/app/main.js',
  'dist/src-main/preload/preload.cjs',
  'dist/src-renderer/index.html',
];

function fail(message) {
  process.stderr.write(`npm run dist: ${message}\n`);
  process.exit(2);
}

function electronVersion() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const range = pkg.optionalDependencies?.electron ?? pkg.devDependencies?.electron;
  if (typeof range !== 'string') fail('package.json names no electron version');
  return range.replace(/^[\^~=v]+/, '');
}

/** Electron's download cache, where @electron/get and electron-builder keep release zips. */
function cacheDirs() {
  const dirs = [process.env.ELECTRON_CACHE, process.env.electron_config_cache];
  if (process.platform === 'darwin') dirs.push(join(homedir(), 'Library', 'Caches', 'electron'));
  else if (process.platform === 'win32')
    dirs.push(join(process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'electron', 'Cache'));
  else dirs.push(join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'electron'));
  return dirs.filter((d) => typeof d === 'string' && d !== '');
}

/** The folder holding `zip`: a cache folder itself or one level below it (@electron/get keeps one per URL). */
function folderWithZip(dirs, zip) {
  for (const dir of dirs) {
    if (existsSync(join(dir, zip))) return dir;
    let subdirs = [];
    try {
      subdirs = readdirSync(dir).map((name) => join(dir, name));
    } catch {
      continue;
    }
    const found = subdirs.find((sub) => existsSync(join(sub, zip)));
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Where electron-builder takes Electron from, or undefined when this machine has none. */
export function localElectron(version, platform = process.platform, arch = process.arch) {
  const zip = `electron-v${version}-${platform}-${arch}.zip`;
  const named = process.env.ATTEST_ELECTRON_DIST;
  if (named !== undefined && named !== '') {
    if (!existsSync(named) || !statSync(named).isDirectory())
      fail(`ATTEST_ELECTRON_DIST is ${named}, which is not a folder`);
    const binary = PLATFORMS[platform]?.binary ?? 'electron';
    if (!existsSync(join(named, binary)) && !existsSync(join(named, zip)))
      fail(`ATTEST_ELECTRON_DIST (${named}) holds neither an unpacked Electron (${binary}) nor ${zip}`);
    return { electronDist: named, source: 'ATTEST_ELECTRON_DIST' };
  }
  const installed = join(ROOT, 'node_modules', 'electron', 'dist');
  if (existsSync(join(installed, PLATFORMS[platform]?.binary ?? 'electron')))
    return { electronDist: installed, source: 'node_modules/electron' };
  const cached = folderWithZip(cacheDirs(), zip);
  if (cached !== undefined) return { electronDist: cached, source: 'Electron download cache' };
  return undefined;
}

function main() {
  const dryRun = process.argv.includes('--dry-run');
  const platform = PLATFORMS[process.platform];
  if (platform === undefined) fail(`no installer is made for ${process.platform}`);
  const version = electronVersion();
  const electron = localElectron(version);
  if (electron === undefined)
    fail(
      [
        `no Electron ${version} for ${process.platform}-${process.arch} on this machine, and this script downloads nothing.`,
        'Give it one of:',
        `  - the electron package (an optional dependency, ${version}), installed by npm ci where the network allows;`,
        `  - electron-v${version}-${process.platform}-${process.arch}.zip from the Electron release, in ${cacheDirs().at(-1)} or ELECTRON_CACHE;`,
        '  - ATTEST_ELECTRON_DIST=<folder> naming an unpacked Electron or a folder holding that zip.',
      ].join('\n'),
    );
  const missing = BUILT.filter((file) => !existsSync(join(ROOT, file)));
  if (missing.length > 0 && !dryRun) fail(`${missing.join(', ')} missing: run \`npm run build\` first`);
  const args = [
    platform.flag,
    '--publish',
    'never',
    `--config.electronVersion=${version}`,
    `--config.electronDist=${electron.electronDist}`,
  ];
  if (dryRun) {
    process.stdout.write(
      `${JSON.stringify({ electronVersion: version, ...electron, targets: platform.targets, missing, args })}\n`,
    );
    return;
  }
  const bin = join(
    ROOT,
    'node_modules',
    '.bin',
    process.platform === 'win32' ? 'electron-builder.cmd' : 'electron-builder',
  );
  if (!existsSync(bin)) fail('electron-builder is not installed (it is a development dependency: npm ci)');
  const run = spawnSync(bin, args, { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' });
  process.exit(run.status ?? 1);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
