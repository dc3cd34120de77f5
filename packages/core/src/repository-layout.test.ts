import { describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory from 'knex';
import { describeEachEngine } from './test-support/database-engines';

// CI runs .ci/run, which must run the README's test command: a newcomer and CI do the same thing.
const root = join(__dirname, '..', '..', '..');

describe('repository', () => {
  test('.ci/run runs exactly the test command the README gives', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const ci = readFileSync(join(root, '.ci', 'run'), 'utf8');
    const blocks = [...readme.matchAll(/```sh\n([^\n]+)\n```/g)].map((match) => match[1]!);
    expect(blocks).toHaveLength(2);
    const testCommand = blocks.find((command) => command.endsWith(' test'));
    expect(testCommand).toBeDefined();
    expect(ci.split('\n').map((line) => line.trim())).toContain(testCommand);
    expect(ci).toMatch(/echo "\$passed passed, \$failed failed"/);
  });

  test('pnpm test builds, type-checks (tests and benchmarks included) and runs jest', () => {
    const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['test']).toBe('pnpm build && pnpm typecheck && jest');
    expect(scripts['typecheck']).toBe('tsc -b && tsc -p packages/core/tsconfig.bench.json');
    const bench = JSON.parse(readFileSync(join(root, 'packages', 'core', 'tsconfig.bench.json'), 'utf8')) as { include: string[] };
    for (const pkg of ['packages/core', 'packages/sp-api-simulator', 'examples/shop'])
      expect(bench.include.map((pattern) => join(root, 'packages', 'core', pattern))).toContain(join(root, pkg, 'bench', '*.ts'));
  });
});

// .ci/run against the real servers, with a stand-in for npx so no install or test run happens:
// it must print jest's totals as its last line and drop its databases however it ends. The
// stand-in's record appears whole (written aside, then renamed): the test polls for it.
describeEachEngine(
  '.ci/run',
  (engine) => {
    // one run covers both servers; .ci/run needs both
    if (engine.name !== 'mysql' || !process.env['SELLERSYNC_TEST_PG_URL']) return;

    const fakeNpx = `#!/bin/sh
case "$*" in
  *" install") exit 0 ;;
  *" test")
    echo "$SELLERSYNC_TEST_PG_URL $SELLERSYNC_TEST_MYSQL_URL" > "$FAKE_RECORD.partial"
    mv "$FAKE_RECORD.partial" "$FAKE_RECORD"
    if [ "$FAKE_MODE" = hang ]; then sleep 60; fi
    mkdir -p "$(dirname "$SELLERSYNC_TEST_SUMMARY")"
    echo '{"passed":7,"failed":0,"skipped":1}' > "$SELLERSYNC_TEST_SUMMARY"
    exit 0 ;;
esac
exit 2
`;

    const databaseExists = async (url: string): Promise<boolean> => {
      const name = new URL(url).pathname.slice(1);
      const postgres = url.startsWith('postgres');
      const admin = knexFactory({ client: postgres ? 'pg' : 'mysql2', connection: url.replace(/\/[^/]*$/, postgres ? '/postgres' : '/') });
      try {
        const result = postgres
          ? ((await admin.raw('select count(*) as n from pg_database where datname = ?', [name])) as { rows: { n: string }[] }).rows
          : ((await admin.raw('select count(*) as n from information_schema.schemata where schema_name = ?', [name])) as unknown as [{ n: number }[]])[0];
        return Number(result[0]?.n) > 0;
      } finally {
        await admin.destroy();
      }
    };

    const runCi = (mode: 'ok' | 'hang') => {
      const bin = mkdtempSync(join(tmpdir(), 'sellersync-ci-'));
      writeFileSync(join(bin, 'npx'), fakeNpx);
      chmodSync(join(bin, 'npx'), 0o755);
      const record = join(bin, 'urls');
      const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env['PATH']}`, FAKE_MODE: mode, FAKE_RECORD: record };
      delete env['SELLERSYNC_TEST_PG_URL'];
      delete env['SELLERSYNC_TEST_MYSQL_URL'];
      delete env['SELLERSYNC_TEST_SUMMARY'];
      const child = spawn('bash', [join(root, '.ci', 'run')], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      return { child, done, output: () => out, record, cleanup: () => rmSync(bin, { recursive: true, force: true }) };
    };

    const urlsOf = (record: string) => readFileSync(record, 'utf8').trim().split(' ');

    test('ends with "N passed, N failed" from jest\'s totals and drops its databases', async () => {
      const run = runCi('ok');
      try {
        expect(await run.done).toBe(0);
        expect(run.output().trim().split('\n').at(-1)).toBe('7 passed, 0 failed');
        const urls = urlsOf(run.record);
        expect(urls).toHaveLength(2);
        for (const url of urls) expect(await databaseExists(url)).toBe(false);
      } finally {
        run.cleanup();
      }
    });

    test('killed during the tests, it still drops its databases and reports a failure', async () => {
      const run = runCi('hang');
      try {
        for (let waited = 0; !existsSync(run.record) && waited < 30_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
        const urls = urlsOf(run.record);
        for (const url of urls) expect(await databaseExists(url)).toBe(true);
        // as a CI runner's cancel does: the whole process group
        process.kill(-run.child.pid!, 'SIGTERM');
        expect(await run.done).toBe(143);
        expect(run.output().trim().split('\n').at(-1)).toBe('0 passed, 1 failed');
        for (const url of urls) expect(await databaseExists(url)).toBe(false);
      } finally {
        run.cleanup();
      }
    });
  },
  { serversOnly: true },
);
