import { describe, expect, jest, test } from '@jest/globals';

type AmazonModels = typeof import('./amazon-models');

/** The module as it loads with SELLERSYNC_AMAZON_SPECS set to `dir` (the constants are read at load). */
function loadWithSpecsAt(dir: string): AmazonModels {
  const previous = process.env['SELLERSYNC_AMAZON_SPECS'];
  process.env['SELLERSYNC_AMAZON_SPECS'] = dir;
  try {
    let loaded: AmazonModels | undefined;
    jest.isolateModules(() => {
      loaded = require('./amazon-models') as AmazonModels;
    });
    return loaded!;
  } finally {
    if (previous === undefined) delete process.env['SELLERSYNC_AMAZON_SPECS'];
    else process.env['SELLERSYNC_AMAZON_SPECS'] = previous;
  }
}

describe('where the model checks find Amazon specs', () => {
  test('SELLERSYNC_AMAZON_SPECS names the folder, as in core; a missing folder makes the checks unavailable, not failing', () => {
    const missing = loadWithSpecsAt('/nonexistent/amazon-specs');
    expect(missing.SPECS_DIR).toBe('/nonexistent/amazon-specs');
    expect(missing.specsAvailable).toBe(false);
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(missing.modelErrors({ not: 'checked' }, 'sp-api-models/feeds_2021-06-30.json', 'Feed')).toBe('');
      expect(log.mock.calls.join(' ')).toContain('/nonexistent/amazon-specs not found');
    } finally {
      log.mockRestore();
    }
  });
});
