/** Injection tokens of the platform module. */
export const NATS_CONNECTION = Symbol('NATS_CONNECTION');
export const JETSTREAM_MANAGER = Symbol('JETSTREAM_MANAGER');
export const MESSAGING_CONFIG = Symbol('MESSAGING_CONFIG');
export const SERVICE_ENV = Symbol('SERVICE_ENV');
export const SERVICE_INFO = Symbol('SERVICE_INFO');

export interface ServiceInfo {
  service: import('@closeloop/contracts').ServiceName;
  schema: string;
}
