import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsInt, IsString, ValidateNested } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { DomainError } from './errors';
import { TicketOpenedV1 } from './events/ticket.events';
import { rejectUnknownFields } from './validation';

class Line {
  @IsInt()
  qty!: number;
}

class Order {
  @IsString()
  id!: string;

  @ValidateNested({ each: true })
  @Type(() => Line)
  lines!: Line[];
}

const opened = (): TicketOpenedV1 => ({
  ticketId: randomUUID(),
  ticketNo: '202501020001',
  feedbackId: randomUUID(),
  customerId: null,
  type: 'complaint',
  category: 'product.defect',
  level: 'L2',
  status: 'classified',
  slaPolicy: 'default',
  due: { firstResponse: '2025-01-02T10:00:00.000Z', plan: '2025-01-02T12:00:00.000Z' },
  openedAt: '2025-01-02T09:50:00.000Z',
});

function fieldsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED' });
    return ((error as DomainError).fields ?? []).map((f) => f.field);
  }
  return [];
}

describe('rejectUnknownFields: the shape check on publish', () => {
  it('accepts a payload with the declared fields, undefined ones included', () => {
    const payload = { ...opened(), due: { ...opened().due, resolution: undefined } };
    expect(rejectUnknownFields(TicketOpenedV1, payload)).toBe(payload);
  });

  it('names every field the contract does not declare, at any depth', () => {
    const leaky = { ...opened(), phone: '13800000000', due: { ...opened().due, customerName: '张三' } };
    expect(fieldsOf(() => rejectUnknownFields(TicketOpenedV1, leaky as TicketOpenedV1)).sort()).toEqual([
      'due.customerName',
      'phone',
    ]);
  });

  it('does not check values: that is for consumers', () => {
    const wrong = { ...opened(), level: 'L9' } as unknown as TicketOpenedV1;
    expect(fieldsOf(() => rejectUnknownFields(TicketOpenedV1, wrong))).toEqual([]);
  });

  it('falls back to full validation where it cannot follow the shape (arrays of nested objects)', () => {
    expect(fieldsOf(() => rejectUnknownFields(Order, { id: 'o-1', lines: [{ qty: 1 }] }))).toEqual([]);
    const extra = { id: 'o-1', lines: [{ qty: 1, price: 5 }] } as unknown as Order;
    expect(fieldsOf(() => rejectUnknownFields(Order, extra))).toEqual(['lines.0.price']);
  });
});
