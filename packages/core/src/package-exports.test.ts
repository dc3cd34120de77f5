import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Runs on the built output (`pnpm build` first; `pnpm test` does it): a CommonJS host must be able
// to require every package, and an ES module host to import it.
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

function run(dir: string, file: string, source: string): string {
  const tmp = join(dir, '.test-tmp');
  mkdirSync(tmp, { recursive: true });
  const path = join(tmp, file);
  writeFileSync(path, source);
  return execFileSync(process.execPath, [path], { cwd: dir, encoding: 'utf8' });
}

describe.each(packages)('$name built output', ({ dir, entries }) => {
  test('dist exists (run pnpm build)', () => {
    expect(existsSync(join(dir, 'dist', 'index.cjs'))).toBe(true);
    expect(existsSync(join(dir, 'dist', 'index.js'))).toBe(true);
  });

  test.each(entries)('%s can be required from CommonJS', (entry, exported) => {
    const out = run(dir, 'require-check.cjs', `const m = require(${JSON.stringify(entry)}); console.log(typeof m[${JSON.stringify(exported)}]);`);
    expect(out.trim()).toBe('function');
  });

  test.each(entries)('%s can be imported from ESM with the same names', (entry) => {
    const cjs = run(dir, 'require-names.cjs', `console.log(Object.keys(require(${JSON.stringify(entry)})).sort().join(','));`);
    const esm = run(dir, 'import-names.mjs', `const m = await import(${JSON.stringify(entry)}); console.log(Object.keys(m).filter((k) => k !== 'default').sort().join(','));`);
    expect(esm.trim()).toBe(cjs.trim());
  });

  test('ESM-only dependencies are bundled, not required at run time', () => {
    const bundle = readFileSync(join(dir, 'dist', 'index.cjs'), 'utf8');
    expect(bundle).not.toMatch(/require\(["'](p-retry|is-network-error)["']\)/);
  });
});
