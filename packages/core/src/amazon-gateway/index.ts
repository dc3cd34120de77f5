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
export { createAmazonGateway } from './create-amazon-gateway';
export { AMAZON_DEFAULT_RATE_LIMITS, createRateLimiter, type RateLimiter, type RateLimiterOptions } from './rate-limiter';
