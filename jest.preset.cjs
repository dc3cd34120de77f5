// The one jest preset of the monorepo: TypeScript through @swc/jest, workspace packages mapped to
// their sources, and the ESM-only dependencies (p-retry and its helper) compiled to CommonJS.
const path = require('node:path');

const root = __dirname;
const esmOnly = ['p-retry', 'is-network-error'];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.(t|j|mj)sx?$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
      },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(\\.pnpm/)?(${esmOnly.join('|')})[@/])`],
  moduleNameMapper: {
    '^@sellersync/core$': path.join(root, 'packages/core/src/index.ts'),
    '^@sellersync/core/testing$': path.join(root, 'packages/core/src/testing/index.ts'),
    '^@sellersync/sp-api-simulator$': path.join(root, 'packages/sp-api-simulator/src/index.ts'),
  },
  moduleFileExtensions: ['ts', 'tsx', 'js', 'mjs', 'cjs', 'json'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};
