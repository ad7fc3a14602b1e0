import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, ValidateNested } from 'class-validator';
import { DomainError } from './errors';
import { rejectUnknownFields, validateContract } from './validation';

class Due {
  @IsISO8601()
  at!: string;

  @IsOptional()
  @IsISO8601()
  warnAt?: string;
}

class Opened {
  @IsString()
  ticketNo!: string;

  @IsIn(['L1', 'L2', 'L3'])
  level!: string;

  @ValidateNested()
  @Type(() => Due)
  due!: Due;
}

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

const opened = (): Opened => ({
  ticketNo: '202501020001',
  level: 'L2',
  due: { at: '2025-01-02T10:00:00.000Z' },
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
    const payload = { ...opened(), due: { ...opened().due, warnAt: undefined } };
    expect(rejectUnknownFields(Opened, payload)).toBe(payload);
  });

  it('names every field the contract does not declare, at any depth', () => {
    const leaky = { ...opened(), phone: '13800000000', due: { ...opened().due, customerName: '张三' } };
    expect(fieldsOf(() => rejectUnknownFields(Opened, leaky as Opened)).sort()).toEqual([
      'due.customerName',
      'phone',
    ]);
  });

  it('does not check values: that is for consumers', () => {
    const wrong = { ...opened(), level: 'L9', due: { at: 'tomorrow' } };
    expect(fieldsOf(() => rejectUnknownFields(Opened, wrong))).toEqual([]);
  });

  it('falls back to full validation where it cannot follow the shape (arrays of nested objects)', () => {
    expect(fieldsOf(() => rejectUnknownFields(Order, { id: 'o-1', lines: [{ qty: 1 }] }))).toEqual([]);
    const extra = { id: 'o-1', lines: [{ qty: 1, price: 5 }] } as unknown as Order;
    expect(fieldsOf(() => rejectUnknownFields(Order, extra))).toEqual(['lines.0.price']);
  });
});

describe('remembered validation metadata', () => {
  it('validates a class whose rules are registered after an earlier validation used the cache', () => {
    class Base {
      @IsString()
      name!: string;
    }
    expect(validateContract(Base, { name: 'a' })).toBeInstanceOf(Base);
    expect(validateContract(Base, { name: 'b' })).toBeInstanceOf(Base);

    // Declared now: its rules arrive after Base's answer was remembered, and it inherits Base's.
    class Later extends Base {
      @IsInt()
      count!: number;
    }
    expect(validateContract(Later, { name: 'c', count: 1 })).toBeInstanceOf(Later);
    expect(() => validateContract(Later, { name: 'c', count: 'one' })).toThrow(DomainError);
    expect(() => validateContract(Later, { name: 3, count: 1 })).toThrow(DomainError);
    // The base class still refuses the subclass's field as unknown.
    expect(() => validateContract(Base, { name: 'd', count: 1 })).toThrow(DomainError);

    // A rule added to a class whose answer is remembered (as a late decorator would): it applies at once.
    IsInt()(Base.prototype, 'extra');
    expect(validateContract(Base, { name: 'e', extra: 2 })).toBeInstanceOf(Base);
    expect(() => validateContract(Base, { name: 'e', extra: 'two' })).toThrow(DomainError);
  });
});

describe('validateContract: text Postgres cannot store', () => {
  it('names every field, at any depth, whose text holds a NUL character', () => {
    const order = { id: 'a\u0000b', lines: [{ qty: 1 }] };
    expect(fieldsOf(() => validateContract(Order, order))).toEqual(['id']);
    const bad = { ...opened(), ticketNo: '2025\u0000', due: { at: '2025-01-02T10:00:00.000Z\u0000' } };
    expect(fieldsOf(() => validateContract(Opened, bad))).toEqual(
      expect.arrayContaining(['ticketNo', 'due.at']),
    );
    expect(validateContract(Opened, { ...opened(), ticketNo: 'tab\tand\nnewline' })).toBeInstanceOf(Opened);
  });

  it('names every field, at any depth, whose text holds a lone UTF-16 surrogate (issue 14.4)', () => {
    const order = { id: 'a\ud800b', lines: [{ qty: 1 }] };
    expect(fieldsOf(() => validateContract(Order, order))).toEqual(['id']);
    // A low surrogate first, a high one last: each alone.
    const bad = { ...opened(), ticketNo: '\udc00 2025', due: { at: '2025-01-02T10:00:00.000Z\udbff' } };
    expect(fieldsOf(() => validateContract(Opened, bad))).toEqual(
      expect.arrayContaining(['ticketNo', 'due.at']),
    );
    // A well-formed pair (an emoji, a CJK extension character) is text like any other.
    expect(validateContract(Opened, { ...opened(), ticketNo: '📦 \u{20000}' })).toBeInstanceOf(Opened);
  });
});
