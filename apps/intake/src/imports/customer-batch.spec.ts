/**
 * The pure parts of a customer import batch: COPY text escaping, time-ordered ids, and the in-memory
 * assignment of rows to customers (I5) that both the optimistic and the looked-up path use.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { contactKey } from '../customers/contact-normalizer';
import { PiiCipher } from '../customers/pii-cipher';
import {
  externalKey,
  prepareCustomerBatch,
  timeOrderedUuid,
  type PreparedCustomerBatch,
} from './customer-batch';
import { assignRows } from './customer-import.writer';
import type { RawRow } from './import-rows';

/** COPY text format read back: rows of fields, `\\N` as null, backslash escapes undone. */
function readCopy(text: string): (string | null)[][] {
  const unescape = (field: string) =>
    field === '\\N'
      ? null
      : field.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c);
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.split('\t').map(unescape));
}

describe('COPY text of a batch', () => {
  const cipher = new PiiCipher(`k1:${randomBytes(32).toString('base64')}`, 'k1', randomBytes(32));
  const rows: RawRow[] = [
    {
      line: 2,
      values: { externalId: 'x\\1\ty', storeId: 'store\\a\nb\rc', phone: '13800138000', name: '王小明' },
    },
    { line: 3, values: { email: 'Z.Li@Example.com', consentCallbacks: 'yes' } },
  ];
  const options = { stores: null, timeZone: 'Asia/Shanghai' };

  it('escapes free text (store ids, external ids), writes hashes as bytea hex and nulls as \\N', () => {
    const direct = prepareCustomerBatch(rows, cipher, {
      ...options,
      direct: { now: '2026-12-02T00:00:00.000Z', actor: null },
    }).direct!;
    const [first, second] = readCopy(direct.customers);
    expect(first.slice(1, 9)).toEqual([
      'person',
      expect.stringMatching(/^k1\+2:/), // bound to its row (decision 0017)
      `\\x${cipher.lookupHash('name', '王小明')}`,
      null,
      null,
      'store\\a\nb\rc',
      null,
      'new',
    ]);
    expect(second[2]).toBeNull(); // no name
    expect(readCopy(direct.externalIds)).toEqual([['default', 'x\\1\ty', direct.created[0]]]);
    const contacts = readCopy(direct.contacts);
    expect(contacts.map((c) => c[3])).toEqual(
      expect.arrayContaining([
        `\\x${cipher.lookupHash('phone', '+8613800138000')}`,
        `\\x${cipher.lookupHash('email', 'z.li@example.com')}`,
      ]),
    );
    expect(
      contacts
        .map((c) => cipher.decrypt(c[4]!, { column: 'customer_contacts.value_enc', rowId: c[0]! }))
        .sort(),
    ).toEqual(['+8613800138000', 'z.li@example.com']);
  });

  it('gives the staging form the same values, by line', () => {
    const staged = prepareCustomerBatch(rows, cipher, { ...options, direct: null });
    const customers = readCopy(staged.copy.customers);
    expect(customers.map((c) => [c[0], c[7], c[9], c[10]])).toEqual([
      ['2', 'store\\a\nb\rc', 'default', 'x\\1\ty'],
      ['3', null, null, null],
    ]);
    expect(readCopy(staged.copy.consents)).toEqual([['3', 'callbacks', 't', null]]);
  });
});

describe('timeOrderedUuid', () => {
  it('is a version 7 UUID whose order follows time', () => {
    const early = timeOrderedUuid(1_700_000_000_000);
    const late = timeOrderedUuid(1_700_000_000_001);
    expect(early).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(early < late).toBe(true);
    expect(new Set(Array.from({ length: 10_000 }, () => timeOrderedUuid())).size).toBe(10_000);
  });
});

describe('assignRows (I5)', () => {
  const row = (line: number, external: string | null, contacts: string[]) => ({
    line,
    candidateId: randomUUID(),
    external: external ? externalKey('crm', external) : null,
    contacts: contacts.map((hash) => contactKey('phone', hash)),
    firstContactKind: contacts.length ? ('phone' as const) : null,
  });
  const batchOf = (rows: ReturnType<typeof row>[]): PreparedCustomerBatch => ({
    read: rows.length,
    errors: [],
    rows,
    copy: { customers: '', contacts: '', consents: '' },
    direct: null,
  });

  it('makes rows sharing a key one customer and refuses a row whose keys name two', () => {
    const rows = [row(2, 'A', ['p1']), row(3, 'B', ['p1']), row(4, null, ['p2']), row(5, 'A', ['p2'])];
    const result = assignRows(batchOf(rows), new Map());
    expect(result.outcome.created).toEqual([rows[0].candidateId, rows[2].candidateId]);
    expect(result.outcome.errors).toEqual([expect.objectContaining({ line: 5, field: 'phone' })]);
    expect(result.newContacts).toBe(2); // p1 once, p2 once
    expect(result.newExternalIds).toBe(2); // A and B, both for the first customer
    expect(result.assign.split('\n').filter(Boolean)).toEqual([
      `2\t${rows[0].candidateId}\tt`,
      `3\t${rows[0].candidateId}\tf`,
      `4\t${rows[2].candidateId}\tt`,
    ]);
  });

  it('joins known customers, counting added-to and unchanged ones once each', () => {
    const known = randomUUID();
    const owners = new Map([[contactKey('phone', 'p1'), known]]);
    const rows = [row(2, null, ['p1']), row(3, 'X', ['p1']), row(4, null, ['p1'])];
    const result = assignRows(batchOf(rows), owners);
    // Line 2 alone changes nothing, but line 3 adds to the same customer: it counts (and is audited) as updated.
    expect(result.outcome).toMatchObject({ created: [], updated: [known], unchanged: 0, errors: [] });
    expect(result.newExternalIds).toBe(1); // X is added to the known customer (line 3)
    expect(result.newContacts).toBe(0);
  });
});
