export {
  runAdapterConformance,
  type ConformanceExpect,
  type ConformanceFixture,
  type ConformanceGroup,
  type ConformanceOptions,
  type ConformanceProduct,
  type ConformanceRunner,
  type ConformanceTest,
} from './adapter-conformance';
export {
  createMemoryAdapter,
  type MemoryAdapter,
  type MemoryAdapterOptions,
  type MemoryOrder,
  type MemoryProduct,
  type MemoryProductInput,
} from './memory-adapter';
export {
  TEST_DATABASE_VARIABLES,
  describeEachDatabase,
  dropSellerSyncTables,
  uniqueTablePrefix,
  type DatabaseSuiteRunner,
  type TestDatabase,
} from './test-databases';
