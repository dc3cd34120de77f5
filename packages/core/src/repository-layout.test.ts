import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

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
});
