import type { ClassConstructor } from 'class-transformer';

export const SERVICES = [
  'gateway',
  'intake',
  'routing',
  'callbacks',
  'surveys',
  'incentives',
  'reporting',
] as const;
export type ServiceName = (typeof SERVICES)[number];

/**
 * A request/reply command or query served by one service through a NATS queue group, so any number of
 * replicas share the load. `Res` is the reply's type; the request class is validated on both sides.
 */
export interface RpcDefinition<Req extends object, Res> {
  readonly service: ServiceName;
  readonly name: string;
  readonly request: ClassConstructor<Req>;
  /** Phantom field carrying the reply type; never set at run time. */
  readonly __reply?: Res;
}

export function defineRpc<Req extends object, Res>(
  service: ServiceName,
  name: string,
  request: ClassConstructor<Req>,
): RpcDefinition<Req, Res> {
  return { service, name, request };
}

export function rpcSubject(prefix: string, definition: { service: ServiceName; name: string }): string {
  return `${prefix}.rpc.${definition.service}.${definition.name}`;
}

export type RpcReply<Res> = { ok: true; data: Res } | { ok: false; error: import('../errors').ErrorBody };
