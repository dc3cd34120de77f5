export { AmazonCallError, type AmazonCallErrorOptions } from './amazon-call-error';
export type {
  AmazonGateway,
  AmazonGatewayOptions,
  AmazonGatewayStats,
  AmazonOperation,
  RateLimit,
  RetryOptions,
  WaitOptions,
} from './amazon-gateway';
export type * from './amazon-types';
