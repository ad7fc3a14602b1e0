import { randomUUID } from 'node:crypto';
import { FeedbackEvents, type FeedbackReceivedV1 } from '@closeloop/contracts';
import { runWithContext } from '@closeloop/observability';
import { UnitOfWork } from './unit-of-work';
import { feedbackReceived, openMessagingTestEnv, type MessagingTestEnv } from './testing/messaging-test-env';

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

  it('rejects an invalid payload with its field errors and rolls the whole transaction back', async () => {
    const invalid = {
      ...feedbackReceived(),
      level: 'L9',
      ticketNo: 'not-a-ticket',
    } as unknown as FeedbackReceivedV1;
    const failure = uow.run((tx) => storeAndPublish(tx, invalid));

    await expect(failure).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const error = (await failure.catch((e: unknown) => e)) as { fields: { field: string }[] };
    expect(error.fields.map((f) => f.field).sort()).toEqual(['level', 'ticketNo']);
    expect(await domainRows()).toBe(0);
    expect(await outboxRows()).toBe(0);
    expect(kicks).toBe(0);
  });

  it('rejects a payload with a field the contract does not know', async () => {
    const extra = { ...feedbackReceived(), phone: '13800000000' } as unknown as FeedbackReceivedV1;
    await expect(uow.run((tx) => storeAndPublish(tx, extra))).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    expect(await outboxRows()).toBe(0);
    expect(await domainRows()).toBe(0);
  });
});
