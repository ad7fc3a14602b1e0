/**
 * First fault test: 2,000 feedback submitted while routing is killed with SIGKILL and restarted twice.
 * Nothing is lost and nothing doubled: exactly 2,000 tickets, each once, and a partner's durable consumer
 * sees 2,000 distinct ticket.opened.v1 events (outbox on write, inbox on consume; R9).
 */
import {
  ADMIN,
  Api,
  PartnerConsumer,
  pollUntil,
  startPlatform,
  type RunningPlatform,
} from '@closeloop/testing';

jest.setTimeout(300_000);

const TOTAL = 2_000;
const CONCURRENCY = 24;

let platform: RunningPlatform;
let partner: PartnerConsumer;

beforeAll(async () => {
  // A short ack wait so events a killed routing held unacked come back in seconds, not the default 30 s.
  platform = await startPlatform('fault', { env: { EVENT_ACK_WAIT_SECONDS: '3', LOG_LEVEL: 'warn' } });
  partner = await PartnerConsumer.start(platform.prefix, 'partner-fault', 'ticket.opened.v1');
});

afterAll(async () => {
  await partner?.stop();
  await platform?.stop();
});

it('keeps every ticket exactly once while routing is killed twice', async () => {
  const api = await new Api(platform.gatewayUrl).login(ADMIN.email, ADMIN.password);
  const accepted: string[] = [];
  const failures: string[] = [];
  let next = 0;

  const worker = async () => {
    while (next < TOTAL) {
      const i = next++;
      const response = await api.post('/api/v1/feedback', {
        channel: 'app',
        channelMessageId: `fault-${i}`,
        customer: { phone: `137${String(i).padStart(8, '0')}` },
        type: i % 3 === 0 ? 'complaint' : 'consultation',
        description: `fault test feedback ${i}`,
      });
      if (response.status === 201) accepted.push(response.body.ticketNo);
      else failures.push(`${i}: ${response.status} ${JSON.stringify(response.body)}`);
    }
  };

  const chaos = async () => {
    for (const threshold of [TOTAL * 0.25, TOTAL * 0.6]) {
      await pollUntil(
        async () => accepted.length,
        (n) => n >= threshold,
        { timeoutMs: 120_000 },
      );
      await platform.kill('routing', 'SIGKILL');
      await platform.start('routing');
    }
  };

  await Promise.all([...Array.from({ length: CONCURRENCY }, worker), chaos()]);
  expect(failures).toEqual([]);
  expect(new Set(accepted).size).toBe(TOTAL);

  const counts = await pollUntil(
    async () => {
      const [row] = await platform.db.query<{ tickets: string; distinct_numbers: string }>(
        'SELECT count(*) AS tickets, count(DISTINCT ticket_no) AS distinct_numbers FROM routing.tickets',
      );
      return { tickets: Number(row.tickets), distinctNumbers: Number(row.distinct_numbers) };
    },
    (c) => c.tickets >= TOTAL,
    { timeoutMs: 120_000, intervalMs: 500, what: `${TOTAL} tickets` },
  );
  expect(counts).toEqual({ tickets: TOTAL, distinctNumbers: TOTAL });

  const numbers = await platform.db.query<{ ticket_no: string }>('SELECT ticket_no FROM routing.tickets');
  expect(new Set(numbers.map((r) => r.ticket_no))).toEqual(new Set(accepted));
  const deadLetters = await platform.db.query('SELECT id FROM routing.dead_letters');
  expect(deadLetters).toEqual([]);

  await pollUntil(
    async () => new Set(partner.events.map((e) => e.data.ticketNo)).size,
    (n) => n >= TOTAL,
    { timeoutMs: 120_000, intervalMs: 500, what: `partner sees ${TOTAL} distinct ticket.opened.v1` },
  );
  const distinctEvents = partner.distinctIds();
  const distinctTickets = new Set(partner.events.map((e) => e.data.ticketNo));
  expect(distinctEvents.size).toBe(TOTAL);
  expect(distinctTickets).toEqual(new Set(accepted));
});
