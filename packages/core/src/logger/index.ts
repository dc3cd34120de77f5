export { createSafeLogger, silentLogger, type Logger, type SafeLogger } from './logger';
