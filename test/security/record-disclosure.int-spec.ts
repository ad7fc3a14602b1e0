/**
 * X1 (issue 14): answers that used to name records the caller may not see. A 409 for a taken contact names
 * the customer who holds it only to a caller who may see that customer (store scope); the replay of an
 * earlier feedback (same channel message or Idempotency-Key) gives its answer (feedback id, ticket number,
 * customer id) only to its author or to a caller who may see its customer: anyone else gets a bare 409.
 */
import { randomUUID } from 'node:crypto';
import {
  CustomerWriteRpc,
  IntakeRpc,
  type Caller,
  type Role,
  type SubmitFeedbackDto,
} from '@closeloop/contracts';
import { type InProcessService, type TestDatabase } from '@closeloop/testing';
import { startIntakeWithDb } from '../../apps/intake/src/testing/intake-fixtures';

jest.setTimeout(60_000);

let db: TestDatabase;
let intake: InProcessService;
let close: () => Promise<void>;

const caller = (role: Role, stores: string[] = []): Caller => ({
  userId: randomUUID(),
  roles: [role],
  departments: [],
  stores,
});
const central = caller('agent');
const storeY = caller('agent', ['store-y']);
const storeX = caller('agent', ['store-x']);

const PHONE = '13700137001';
let owner: string;

beforeAll(async () => {
  ({ db, intake, close } = await startIntakeWithDb('record-disclosure'));
  const created = await intake.rpc.request(CustomerWriteRpc.create, {
    caller: central,
    customer: {
      name: '门店客户',
      phones: [PHONE],
      storeId: 'store-y',
      externalIds: [{ source: 'crm', externalId: 'Y-1' }],
    },
  });
  owner = created.customer.id;
});

afterAll(() => close?.());

describe('registering a customer with a contact another customer holds', () => {
  const register = (who: Caller, customer: Record<string, unknown>) =>
    intake.rpc.request(CustomerWriteRpc.create, { caller: who, customer }).then(
      () => {
        throw new Error('expected a 409');
      },
      (error: { code: string; message: string; fields?: { field: string; message: string }[] }) => error,
    );

  it("does not name a customer of another store to a store's agent", async () => {
    for (const customer of [
      { name: '别人', phones: ['+86 137 0013 7001'] },
      { name: '别人', externalIds: [{ source: 'crm', externalId: 'Y-1' }] },
    ]) {
      const error = await register(storeX, customer);
      expect(error.code).toBe('CUSTOMER.CONTACT_TAKEN');
      expect(JSON.stringify(error)).not.toContain(owner);
      expect(error.fields).toEqual([
        { field: customer.phones ? 'phone' : 'externalIds', message: 'belongs to another customer' },
      ]);
    }
  });

  it('names it to callers who may see it: the central call center and that store', async () => {
    for (const who of [central, storeY]) {
      const error = await register(who, { name: '别人', phones: [PHONE] });
      expect(error.code).toBe('CUSTOMER.CONTACT_TAKEN');
      expect(error.message).toContain(owner);
      expect(error.fields).toEqual([{ field: 'phone', message: `belongs to customer ${owner}` }]);
    }
  });
});

describe("replaying another user's feedback", () => {
  const message: SubmitFeedbackDto = {
    channel: 'wechat',
    channelMessageId: `wx-${randomUUID()}`,
    customer: { phone: PHONE },
    type: 'complaint',
    description: '门店服务态度差',
  };
  const submit = (who: Caller, feedback: SubmitFeedbackDto, idempotencyKey?: string) =>
    intake.rpc.request(IntakeRpc.submitFeedback, { caller: who, feedback, idempotencyKey });

  it('answers the author and callers who may see the customer; others get 409 without any of it', async () => {
    const first = await submit(central, message);
    expect(first).toMatchObject({ customerId: owner, replayed: false });

    for (const who of [central, storeY]) {
      await expect(submit(who, message)).resolves.toEqual({ ...first, replayed: true });
    }
    const refused = await submit(storeX, message).then(
      () => {
        throw new Error('expected a 409');
      },
      (error: unknown) => error,
    );
    expect(refused).toMatchObject({ code: 'FEEDBACK.ALREADY_RECORDED' });
    const text = JSON.stringify(refused) + String((refused as Error).message);
    for (const secret of [owner, first.id, first.ticketNo]) expect(text).not.toContain(secret);

    const rows = await db.query('SELECT id FROM intake.feedback WHERE channel_message_id = $1', [
      message.channelMessageId,
    ]);
    expect(rows).toHaveLength(1);
  });

  it('treats a reused Idempotency-Key the same way', async () => {
    const key = `idem-${randomUUID()}`;
    const dto: SubmitFeedbackDto = { ...message, channelMessageId: undefined, description: '又一次投诉' };
    const first = await submit(storeY, dto, key);
    await expect(submit(storeY, dto, key)).resolves.toEqual({ ...first, replayed: true });
    await expect(submit(storeX, dto, key)).rejects.toMatchObject({ code: 'FEEDBACK.ALREADY_RECORDED' });
    await expect(submit(central, dto, key)).resolves.toEqual({ ...first, replayed: true });
  });
});
