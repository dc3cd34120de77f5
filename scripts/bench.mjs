#!/usr/bin/env node
// Runs every benchmark script (packages/*/bench/*.bench.ts, examples/*/bench/*.bench.ts) with tsx, one process each, and lets
// them print their figures. `pnpm bench enqueue` runs only the scripts whose name contains "enqueue".
import { spawnSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filter = process.argv[2];
const scripts = [];
for (const pkg of ['packages', 'examples'].flatMap((top) => readdirSync(join(root, top)).map((name) => join(top, name)))) {
  const dir = join(root, pkg, 'bench');
  if (!existsSync(dir)) continue;
  for (const file of readdirSync(dir).sort())
    if (file.endsWith('.bench.ts') && (!filter || file.includes(filter))) scripts.push(join(dir, file));
}
if (scripts.length === 0) {
  console.error(filter ? `no benchmark matches "${filter}"` : 'no benchmarks found');
  process.exit(1);
}
let failed = 0;
for (const script of scripts) {
  console.log(`\n=== ${script.slice(root.length)} ===`);
  const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', script], { stdio: 'inherit', cwd: root });
  if (result.status !== 0) failed += 1;
}
process.exit(failed === 0 ? 0 : 1);
