import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  tsconfig: 'tsconfig.build.json',
  // p-retry and its helper are ESM-only: bundle them so CommonJS hosts can require core.
  noExternal: ['p-retry', 'is-network-error'],
});
