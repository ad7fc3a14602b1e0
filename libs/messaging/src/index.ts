export * from './config';
export * from './nats';
export * from './outbox';
export * from './outbox-relay';
export * from './unit-of-work';
export * from './grouped-unit-of-work';
export * from './event-consumer';
export * from './rpc';
