import { UnnestInsert } from './unnest-insert';

interface AlertRow {
  ticketId: string;
  dueAt: Date;
  firedAt: Date;
  data: object | null;
}

const ALERTS = new UnnestInsert<AlertRow, { ticket_id: string }>(
  'svc.alerts',
  {
    ticketId: ['ticket_id', 'uuid'],
    firedAt: ['fired_at', 'timestamptz'],
    dueAt: ['due_at', 'timestamptz'],
    data: ['data', 'jsonb', 'json'],
  },
  'ON CONFLICT DO NOTHING RETURNING ticket_id',
);

describe('set-based inserts of typed rows (issue 13 point 4)', () => {
  it('sends one array per column, each a bind parameter, in the order of the column map', () => {
    const dueAt = new Date('2026-01-01T00:00:00Z');
    const firedAt = new Date('2026-01-02T00:00:00Z');
    const statement = ALERTS.statement([
      { ticketId: 'a', dueAt, firedAt, data: { text: "x'); DROP TABLE t; --" } },
      { firedAt, data: null, ticketId: 'b', dueAt },
    ]);
    expect(statement).toEqual({
      text:
        'INSERT INTO svc.alerts (ticket_id, fired_at, due_at, data) SELECT * FROM ' +
        'unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::jsonb[]) ON CONFLICT DO NOTHING RETURNING ticket_id',
      values: [
        ['a', 'b'],
        [firedAt, firedAt],
        [dueAt, dueAt],
        ['{"text":"x\'); DROP TABLE t; --"}', null],
      ],
    });
  });

  it('refuses a column type that is not a plain type name (the map is SQL text)', () => {
    expect(() => new UnnestInsert<{ a: string }>('svc.t', { a: ['a', 'text[]); DROP TABLE t; --'] })).toThrow(
      /not a column type/,
    );
  });

  /** Compile-time checks, as in deferred-insert.spec.ts (tsc -p tsconfig.json checks this file). */
  it('refuses, at compile time, a missing or extra field in the column map or a row, and positional arrays', () => {
    const make = () => {
      // @ts-expect-error the column map lacks `data`
      new UnnestInsert<AlertRow>('svc.alerts', {
        ticketId: ['ticket_id', 'uuid'],
        firedAt: ['fired_at', 'timestamptz'],
        dueAt: ['due_at', 'timestamptz'],
      });
      new UnnestInsert<{ a: string }>('svc.t', {
        a: ['a', 'text'],
        // @ts-expect-error a field the row lacks
        b: ['b', 'text'],
      });
      // @ts-expect-error a column without its type
      new UnnestInsert<{ a: string }>('svc.t', { a: ['a'] });
      const now = new Date();
      // @ts-expect-error the row lacks `data`
      ALERTS.statement([{ ticketId: 'a', dueAt: now, firedAt: now }]);
      // @ts-expect-error the row has a field the table is not given
      ALERTS.statement([{ ticketId: 'a', dueAt: now, firedAt: now, data: null, extra: 1 }]);
      // @ts-expect-error values by position
      ALERTS.statement([['a', now, now, null]]);
    };
    expect(make).toBeInstanceOf(Function);
  });
});
