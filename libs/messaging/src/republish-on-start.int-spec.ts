/**
 * Issue 14, events lost for good: a service that (re)starts after the broker lost events it had acked
 * publishes its recent events again at start (not only on a reconnect it never sees), and a republish window
 * that does not fit inside the stream's duplicate window is refused at start.
 */
import { FeedbackEvents } from '@closeloop/contracts';
import { pollUntil } from '@closeloop/testing';
import { checkRepublishWindow, ensureEventStream } from './nats';
import { OutboxRelay } from './outbox-relay';
import { feedbackReceived, openMessagingTestEnv, type MessagingTestEnv } from './testing/messaging-test-env';

jest.setTimeout(30_000);

let env: MessagingTestEnv;

beforeAll(async () => {
  env = await openMessagingTestEnv('republish_start', { outboxPollMs: 50 });
});

afterAll(async () => {
  await env?.close();
});

const streamCount = async () => (await env.jsm.streams.info(env.config.streamName)).state.messages;

it('publishes recently sent events again when the relay starts, under the same ids', async () => {
  const id = await env.unitOfWork.run(
    async (tx) => (await tx.publish(FeedbackEvents.received, feedbackReceived())).id,
  );
  const first = new OutboxRelay(env.dataSource, env.nc, env.schema, env.config);
  await first.publishBatch();
  expect(await streamCount()).toBe(1);
  await first.stop();

  // The broker crashes and comes back without the event it had acked (its store lost); the service restarts.
  await env.jsm.streams.delete(env.config.streamName);
  await ensureEventStream(env.jsm, env.config);
  const restarted = new OutboxRelay(env.dataSource, env.nc, env.schema, env.config);
  restarted.start();
  try {
    await pollUntil(streamCount, (n) => n === 1, { what: 'the event published again' });
    const message = await env.jsm.streams.getMessage(env.config.streamName, {
      seq: (await env.jsm.streams.info(env.config.streamName)).state.last_seq,
    });
    expect(message?.header.get('Nats-Msg-Id')).toBe(id);
  } finally {
    await restarted.stop();
  }
  // Started again while the event is on the stream: the duplicate window drops the repeat.
  const again = new OutboxRelay(env.dataSource, env.nc, env.schema, env.config);
  again.start();
  await pollUntil(
    () =>
      env.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM svc.outbox WHERE sent_at IS NULL`,
      ),
    (rows) => rows[0].n === 0,
    { what: 'republished at start' },
  );
  await again.stop();
  expect(await streamCount()).toBe(1);
});

it('refuses a republish window that does not fit inside the stream duplicate window', async () => {
  const duplicateWindowMs = env.config.duplicateWindowMs;
  await expect(
    checkRepublishWindow(env.jsm, { ...env.config, republishWindowMs: duplicateWindowMs - 1_000 }),
  ).resolves.toBeUndefined();
  await expect(
    checkRepublishWindow(env.jsm, { ...env.config, republishWindowMs: duplicateWindowMs }),
  ).rejects.toThrow(/OUTBOX_REPUBLISH_WINDOW_SECONDS \(600 s\) must be shorter than the duplicate window/);
  // An operator-managed stream with a shorter window than this service was configured for.
  const { config } = await env.jsm.streams.info(env.config.streamName);
  await env.jsm.streams.update(env.config.streamName, { ...config, duplicate_window: 60_000_000_000 });
  await expect(checkRepublishWindow(env.jsm, env.config)).rejects.toThrow(
    /duplicate window of stream .* \(60 s\)/,
  );
});
