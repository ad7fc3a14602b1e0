/**
 * Issue 14.4: a lone UTF-16 surrogate in any text field is bad input (400 with the field), refused by the
 * contract before any work starts. Before, it passed validation and broke the jsonb insert at COMMIT, failing
 * its whole commit group every time (and the submission got a 500).
 */
import { randomUUID } from 'node:crypto';
import { GroupedUnitOfWork } from '@closeloop/messaging';
import { IntakeRpc, type Caller, type SubmitFeedbackDto } from '@closeloop/contracts';
import { type InProcessService, type TestDatabase } from '@closeloop/testing';
import { startIntakeWithDb } from '../../apps/intake/src/testing/intake-fixtures';

jest.setTimeout(90_000);

let db: TestDatabase;
let intake: InProcessService;
let close: () => Promise<void>;
const agent: Caller = { userId: randomUUID(), roles: ['agent'], departments: [], stores: [] };

beforeAll(async () => {
  ({ db, intake, close } = await startIntakeWithDb('unstorable'));
});

afterAll(() => close?.());

function feedback(overrides: Partial<SubmitFeedbackDto> = {}): SubmitFeedbackDto {
  return {
    channel: 'hotline',
    customer: { phone: `137${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}` },
    type: 'complaint',
    description: '快递 📦 未送达',
    ...overrides,
  };
}

it('refuses a lone surrogate in any text field as bad input naming the field; no commit group is formed', async () => {
  const uow = intake.app.get(GroupedUnitOfWork);
  const run = jest.spyOn(uow, 'run');
  const cases: [string, SubmitFeedbackDto][] = [
    ['description', feedback({ description: 'parcel \ud83d lost' })],
    ['request', feedback({ request: 'refund \udc00' })],
    ['customer.name', feedback({ customer: { phone: '13800138000', name: 'Wang \ud800' } })],
    ['channelMessageId', feedback({ channelMessageId: `m-${randomUUID()}-\udbff` })],
  ];
  for (const [field, dto] of cases) {
    await expect(
      intake.rpc.request(IntakeRpc.submitFeedback, { caller: agent, feedback: dto }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: [expect.objectContaining({ field: `feedback.${field}` })],
    });
  }
  expect(run).not.toHaveBeenCalled();
  const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM intake.feedback');
  expect(n).toBe(0);

  // Paired surrogates (the emoji above) are ordinary text and go through a commit group.
  const reply = await intake.rpc.request(IntakeRpc.submitFeedback, { caller: agent, feedback: feedback() });
  expect(reply.replayed).toBe(false);
  expect(run).toHaveBeenCalledTimes(1);
  const [stored] = await db.query<{ description: string }>('SELECT description FROM intake.feedback');
  expect(stored.description).toBe('快递 📦 未送达');
});
