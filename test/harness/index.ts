export * from './database';
export * from './nats';
export * from './poll';
export * from './platform';
export * from './http';
export * from './service';
export * from './metrics-text';
export * from './pg-proxy';
