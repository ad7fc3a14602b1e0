import 'reflect-metadata';
import { Payload } from '@nestjs/microservices';
import type { MessageHandler } from '@nestjs/microservices';
import type { RpcServer } from '@closeloop/messaging';
import { CustomerRpc, GetCustomerRequest, TicketEvents, type TicketOpenedV1 } from '@closeloop/contracts';
import type { ConsumerRegistry } from './consumer-registry';
import { EventPattern, MessagePattern } from './message-patterns';
import { MessagingTransport } from './messaging-transport';

const handler = (async () => undefined) as MessageHandler;
const transport = () =>
  new MessagingTransport({} as RpcServer, {} as ConsumerRegistry, { service: 'intake', schema: 'intake' });

describe('MessagingTransport refuses edges it could not serve, at start', () => {
  it('takes contract definitions as patterns, not strings', () => {
    expect(() => transport().addHandler('customer.get', handler, false)).toThrow(/RPC definition/);
    expect(() => transport().addHandler('ticket.opened.v1', handler, true, { consumer: 'x' })).toThrow(
      /event definition/,
    );
  });

  it('needs a consumer name for an event and knows no other options', () => {
    expect(() => transport().addHandler(TicketEvents.opened, handler, true, {})).toThrow(/consumer/);
    expect(() =>
      transport().addHandler(TicketEvents.opened, handler, true, { consumer: 'Bad Name' }),
    ).toThrow(/consumer/);
    expect(() =>
      transport().addHandler(TicketEvents.opened, handler, true, { consumer: 'opened', retries: 5 }),
    ).toThrow(/unknown option retries/);
    for (const batchSize of [0, 1.5, '2'])
      expect(() =>
        transport().addHandler(TicketEvents.opened, handler, true, { consumer: 'x', batchSize }),
      ).toThrow(/batchSize\?: n ≥ 1/);
  });

  it('refuses handlers of one consumer that disagree on its limits', () => {
    const one = transport();
    one.addHandler(TicketEvents.opened, handler, true, { consumer: 'tickets', concurrency: 1 });
    one.addHandler(TicketEvents.objected, handler, true, { consumer: 'tickets' });
    expect(() =>
      one.addHandler(TicketEvents.reclassified, handler, true, { consumer: 'tickets', concurrency: 2 }),
    ).toThrow(/disagree on concurrency/);
  });

  it('refuses a second handler for the same request or the same event in one consumer', () => {
    const one = transport();
    one.addHandler(CustomerRpc.get, handler, false);
    expect(() => one.addHandler(CustomerRpc.get, handler, false)).toThrow(/two @MessagePattern/);
    one.addHandler(TicketEvents.opened, handler, true, { consumer: 'opened' });
    expect(() => one.addHandler(TicketEvents.opened, handler, true, { consumer: 'opened' })).toThrow(
      /two @EventPattern/,
    );
    one.addHandler(TicketEvents.opened, handler, true, { consumer: 'opened-again' });
  });
});

// Compile-time: `tsc --noEmit` fails if these decorators stop checking the method against the contract.
export class WronglyTyped {
  // @ts-expect-error the reply does not match CustomerRpc.listAudit's
  @MessagePattern(CustomerRpc.listAudit)
  audit(@Payload() request: GetCustomerRequest): Promise<number> {
    return Promise.resolve(request ? 1 : 0);
  }

  // @ts-expect-error one event per call takes the payload, not an array
  @EventPattern(TicketEvents.opened, { consumer: 'x' })
  async one(@Payload() data: TicketOpenedV1[]): Promise<void> {
    void data;
  }

  // @ts-expect-error a batch method takes BatchEvent[]
  @EventPattern(TicketEvents.opened, { consumer: 'x', batch: true })
  async many(@Payload() data: TicketOpenedV1): Promise<void> {
    void data;
  }
}
