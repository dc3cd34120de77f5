import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

// Runs on the built output (`pnpm build` first; `pnpm test` does it). A host project outside the
// monorepo installs each package as published (its `files`, with its dependencies and peer
// dependencies only) and must be able to require it from CommonJS and import it from ESM. Node's
// require(esm) is switched off, as on the Node 20 releases before 20.19, so an ESM-only dependency
// left unbundled fails here; a devDependency needed at run time fails too, since the host cannot
// resolve one.
const root = join(__dirname, '..', '..', '..');
const packages = [
  {
    name: '@sellersync/core',
    dir: join(root, 'packages', 'core'),
    entries: [
      ['@sellersync/core', 'enqueueChange'],
      ['@sellersync/core/testing', 'createMemoryAdapter'],
    ],
  },
  {
    name: '@sellersync/sp-api-simulator',
    dir: join(root, 'packages', 'sp-api-simulator'),
    entries: [['@sellersync/sp-api-simulator', 'startSimulator']],
  },
];

interface PackageJson {
  name: string;
  files?: string[];
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const readPackage = (dir: string): PackageJson => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;

/** Copies a package into `host` as npm would install it, and links its runtime dependencies. */
function install(host: string, dir: string): void {
  const pkg = readPackage(dir);
  const target = join(host, 'node_modules', pkg.name);
  mkdirSync(target, { recursive: true });
  cpSync(join(dir, 'package.json'), join(target, 'package.json'));
  for (const entry of pkg.files ?? []) if (existsSync(join(dir, entry))) cpSync(join(dir, entry), join(target, entry), { recursive: true });
  for (const dependency of Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies })) {
    const link = join(host, 'node_modules', dependency);
    if (existsSync(link)) continue;
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(realpathSync(join(dir, 'node_modules', dependency)), link, 'dir');
  }
}

// require(esm) exists from Node 20.17 (behind a flag) and is on by default from 20.19
const noRequireEsm = process.allowedNodeEnvironmentFlags.has('--experimental-require-module') ? ['--no-experimental-require-module'] : [];
const hosts = new Map<string, string>();

/** Runs a script in the host project (one per package, so packages cannot lean on each other). */
function run(dir: string, file: string, source: string): string {
  const host = hosts.get(dir)!;
  const path = join(host, file);
  writeFileSync(path, source);
  const env = { ...process.env };
  delete env['NODE_OPTIONS'];
  delete env['NODE_PATH'];
  return execFileSync(process.execPath, [...noRequireEsm, path], { cwd: host, encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(() => {
  for (const { dir } of packages) {
    const host = realpathSync(mkdtempSync(join(tmpdir(), 'sellersync-host-')));
    writeFileSync(join(host, 'package.json'), JSON.stringify({ name: 'host', private: true }));
    if (existsSync(join(dir, 'dist'))) install(host, dir);
    hosts.set(dir, host);
  }
});

afterAll(() => {
  for (const host of hosts.values()) rmSync(host, { recursive: true, force: true });
});

describe.each(packages)('$name built output', ({ name, dir, entries }) => {
  test('the host project outside the monorepo cannot resolve its devDependencies', () => {
    const pkg = readPackage(dir);
    const runtime = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies });
    const devOnly = Object.keys(pkg.devDependencies ?? {}).filter((dependency) => !runtime.includes(dependency));
    const out = run(
      dir,
      'resolve-check.cjs',
      `for (const name of ${JSON.stringify([...devOnly, 'typescript', 'jest'])}) { try { require.resolve(name); console.log('resolved ' + name); } catch {} } console.log('done');`,
    );
    expect(out.trim()).toBe('done');
    const installed = realpathSync(join(hosts.get(dir)!, 'node_modules', name));
    expect(installed.startsWith(hosts.get(dir)!)).toBe(true);
  });

  test('dist exists (run pnpm build)', () => {
    expect(existsSync(join(dir, 'dist', 'index.cjs'))).toBe(true);
    expect(existsSync(join(dir, 'dist', 'index.js'))).toBe(true);
  });

  test.each(entries)('%s can be required from CommonJS without require(esm)', (entry, exported) => {
    const out = run(dir, 'require-check.cjs', `const m = require(${JSON.stringify(entry)}); console.log(typeof m[${JSON.stringify(exported)}]);`);
    expect(out.trim()).toBe('function');
  });

  test.each(entries)('%s can be imported from ESM with the same names', (entry) => {
    const cjs = run(dir, 'require-names.cjs', `console.log(Object.keys(require(${JSON.stringify(entry)})).sort().join(','));`);
    const esm = run(
      dir,
      'import-names.mjs',
      `const m = await import(${JSON.stringify(entry)}); console.log(Object.keys(m).filter((k) => k !== 'default').sort().join(','));`,
    );
    expect(esm.trim().length).toBeGreaterThan(0);
    expect(esm.trim()).toBe(cjs.trim());
  });

  test('ESM-only dependencies are bundled, not required at run time', () => {
    const bundle = readFileSync(join(dir, 'dist', 'index.cjs'), 'utf8');
    expect(bundle).not.toMatch(/require\(["'](p-retry|is-network-error)["']\)/);
  });
});
