import { describe, expect, test } from '@jest/globals';
import { describeEachDatabase } from './test-databases';

function register(env: NodeJS.ProcessEnv) {
  const calls: string[] = [];
  const bodies: Array<() => void | Promise<void>> = [];
  const runner = {
    describe: Object.assign((name: string, body: () => void) => (calls.push(`describe ${name}`), body()), {
      skip: (name: string) => void calls.push(`skip ${name}`),
    }),
    test: (name: string, body: () => void | Promise<void>) => (calls.push(`test ${name}`), void bodies.push(body)),
  };
  describeEachDatabase(runner, 'suite', (database) => runner.test(`on ${database.name}`, () => {}), { env });
  return { calls, bodies };
}

describe('describeEachDatabase', () => {
  test('runs SQLite always and skips a server without its URL outside CI', () => {
    expect(register({}).calls).toEqual([
      'describe suite [sqlite]',
      'test on sqlite',
      'skip suite [postgres] (skipped: SELLERSYNC_TEST_PG_URL not set)',
      'skip suite [mysql] (skipped: SELLERSYNC_TEST_MYSQL_URL not set)',
    ]);
    expect(register({ CI: 'false' }).calls.filter((call) => call.startsWith('skip'))).toHaveLength(2);
    expect(register({ CI: '0' }).calls.filter((call) => call.startsWith('skip'))).toHaveLength(2);
  });

  test.each(['true', '1', 'TRUE'])('with CI=%s a server without its URL is a failing test, not a skip', (value) => {
    const { calls, bodies } = register({ CI: value, SELLERSYNC_TEST_MYSQL_URL: 'mysql://root@127.0.0.1:3306/x' });
    expect(calls).toEqual([
      'describe suite [sqlite]',
      'test on sqlite',
      'describe suite [postgres]',
      'test runs on postgres',
      'describe suite [mysql]',
      'test on mysql',
    ]);
    expect(() => bodies[1]!()).toThrow('SELLERSYNC_TEST_PG_URL is not set: in CI the postgres suite must run');
  });
});
