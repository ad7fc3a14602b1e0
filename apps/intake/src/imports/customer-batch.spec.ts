/**
 * The pure parts of a customer import batch: COPY text escaping, time-ordered ids, and the in-memory
 * assignment of rows to customers (I5) that both the optimistic and the looked-up path use.
 */
import { randomUUID } from 'node:crypto';
import { contactKey } from '../customers/contact-normalizer';
import { copyLine, externalKey, timeOrderedUuid, type PreparedCustomerBatch } from './customer-batch';
import { assignRows } from './customer-import.writer';

describe('copyLine', () => {
  it('writes tab-separated text with \\N for null and escapes backslash, tab and line breaks', () => {
    expect(copyLine(['1', null, 'a\\b', 'c\td', 'e\nf\rg'])).toBe('1\t\\N\ta\\\\b\tc\\td\te\\nf\\rg\n');
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
