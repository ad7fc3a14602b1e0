export * from './env';
export * from './tokens';
export * from './consumer-registry';
export * from './platform.module';
export * from './problem';
export * from './bootstrap';
export * from './service-cli';
export * from './public-route';
