import { randomUUID } from 'node:crypto';
import { FeedbackEvents, TicketEvents, type FeedbackReceivedV1 } from '@closeloop/contracts';
import { runWithContext } from '@closeloop/observability';
import { UnitOfWork } from './unit-of-work';
import {
  feedbackReceived,
  openMessagingTestEnv,
  ticketOpened,
  type MessagingTestEnv,
} from './testing/messaging-test-env';

// Real servers on a shared 2-core machine: generous limits; every wait inside is a pollUntil with its own.
jest.setTimeout(30_000);

describe('outbox: a state change and its event commit together', () => {
  let env: MessagingTestEnv;
  let kicks: number;
  let uow: UnitOfWork;

  beforeAll(async () => {
    env = await openMessagingTestEnv('outbox', {}, { createStream: false });
    uow = new UnitOfWork(env.dataSource, env.writer, { kick: () => void kicks++ });
  });

  afterAll(async () => {
    await env?.close();
  });

  beforeEach(async () => {
    kicks = 0;
    await env.dataSource.query('TRUNCATE svc.outbox, svc.effects');
  });

  const outboxRows = () => env.count('SELECT count(*) AS n FROM svc.outbox');
  const domainRows = () => env.count('SELECT count(*) AS n FROM svc.effects');

  async function storeAndPublish(
    tx: Parameters<Parameters<UnitOfWork['run']>[0]>[0],
    data: FeedbackReceivedV1,
  ) {
    await tx.manager.query('INSERT INTO svc.effects (feedback_id, note) VALUES ($1, $2)', [
      data.feedbackId,
      'stored',
    ]);
    return tx.publish(FeedbackEvents.received, data);
  }

  it('leaves neither the domain row nor the event when the work throws after publishing', async () => {
    await expect(
      uow.run(async (tx) => {
        await storeAndPublish(tx, feedbackReceived());
        throw new Error('boom after publish');
      }),
    ).rejects.toThrow('boom after publish');

    expect(await domainRows()).toBe(0);
    expect(await outboxRows()).toBe(0);
    expect(kicks).toBe(0);
  });

  it('stores both, as a CloudEvents envelope with the correlation id, and wakes the relay after the commit', async () => {
    const data = feedbackReceived({ storeId: undefined });
    const eventId = randomUUID();
    const envelope = await runWithContext({ correlationId: 'corr-outbox-0001' }, () =>
      uow.run(async (tx) => {
        await tx.manager.query('INSERT INTO svc.effects (feedback_id, note) VALUES ($1, $2)', [
          data.feedbackId,
          'x',
        ]);
        const published = await tx.publish(FeedbackEvents.received, data, { id: eventId });
        // Not yet: the relay must not be woken before the rows are visible.
        expect(kicks).toBe(0);
        return published;
      }),
    );

    expect(kicks).toBe(1);
    expect(await domainRows()).toBe(1);
    const rows: {
      id: string;
      event_type: string;
      envelope: Record<string, unknown>;
      sent_at: Date | null;
    }[] = await env.dataSource.query('SELECT id, event_type, envelope, sent_at FROM svc.outbox');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: eventId, event_type: 'feedback.received.v1', sent_at: null });
    expect(rows[0].envelope).toEqual({
      specversion: '1.0',
      id: eventId,
      type: 'feedback.received.v1',
      source: 'closeloop/test-outbox',
      time: envelope.time,
      datacontenttype: 'application/json',
      correlationid: 'corr-outbox-0001',
      data: JSON.parse(JSON.stringify(data)),
    });
    expect(rows[0].envelope).not.toHaveProperty('data.storeId');
  });

  it('rejects a field the contract does not know, at any depth, and rolls the whole transaction back', async () => {
    const leaky = { ...feedbackReceived(), phone: '13800000000' } as unknown as FeedbackReceivedV1;
    const failure = uow.run((tx) => storeAndPublish(tx, leaky));

    await expect(failure).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const error = (await failure.catch((e: unknown) => e)) as { fields: { field: string }[] };
    expect(error.fields.map((f) => f.field)).toEqual(['phone']);
    expect(await domainRows()).toBe(0);
    expect(await outboxRows()).toBe(0);
    expect(kicks).toBe(0);

    const opened = ticketOpened();
    Object.assign(opened.due, { name: '张三' });
    const nested = await uow
      .run((tx) => tx.publish(TicketEvents.opened, opened))
      .catch((e: unknown) => e as { code: string; fields: { field: string }[] });
    expect(nested).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ field: 'due.name' }] });
    expect(await outboxRows()).toBe(0);
  });
});
