import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  getMetadataStorage,
  IsInt,
  IsString,
  ValidateNested,
  validateSync,
  ValidationTypes,
} from 'class-validator';
import { declaredRules } from './validation-metadata-cache';

type Storage = ReturnType<typeof getMetadataStorage>;
type Method = 'getTargetValidationMetadatas' | 'groupByPropertyName' | 'addValidationMetadata';

/** Counts the calls class-validator makes to one of the storage's methods while `work` runs. */
function callsTo(method: Method, work: () => void): number {
  const storage = getMetadataStorage() as unknown as Record<Method, (...args: unknown[]) => unknown>;
  const own = storage[method];
  let calls = 0;
  storage[method] = (...args: unknown[]) => {
    calls += 1;
    return own.apply(storage, args);
  };
  try {
    work();
  } finally {
    storage[method] = own;
  }
  return calls;
}

/**
 * Canary of the adapter validation-metadata-cache.ts (issue 13 point 4): class-validator's metadata storage
 * still has the methods the cache replaces, with the same parameters, the validator still goes through them
 * for every object, decorators still register through `addValidationMetadata`, and the metadata still
 * carries `propertyName` and `type`. An upgrade that changes any of these fails here.
 */
describe("class-validator's metadata storage behind the adapter (canary)", () => {
  class Line {
    @IsInt()
    qty!: number;
  }
  class Order {
    @IsString()
    id!: string;

    @ValidateNested()
    @Type(() => Line)
    line!: Line;
  }

  it('has the methods the cache replaces, taking the arguments it passes on', () => {
    const prototype = Object.getPrototypeOf(getMetadataStorage()) as Storage;
    expect(prototype.getTargetValidationMetadatas).toBeInstanceOf(Function);
    expect(prototype.getTargetValidationMetadatas).toHaveLength(5);
    expect(prototype.groupByPropertyName).toHaveLength(1);
    expect(prototype.addValidationMetadata).toHaveLength(1);
  });

  it('is asked for the rules and their grouping on every validation (what the cache remembers)', () => {
    const order = Object.assign(new Order(), { id: 'o-1', line: Object.assign(new Line(), { qty: 1 }) });
    expect(
      callsTo('getTargetValidationMetadatas', () => expect(validateSync(order)).toEqual([])),
    ).toBeGreaterThan(0);
    expect(callsTo('groupByPropertyName', () => expect(validateSync(order)).toEqual([]))).toBeGreaterThan(0);
  });

  it('registers decorators through addValidationMetadata (what makes the cache forget)', () => {
    const calls = callsTo('addValidationMetadata', () => {
      class Late {
        @IsString()
        name!: string;
      }
      expect(declaredRules(Late)).toEqual([{ propertyName: 'name', nested: false }]);
    });
    expect(calls).toBe(1);
  });

  it('describes each rule by its property name and type, nested objects as NESTED_VALIDATION', () => {
    const [metadata] = getMetadataStorage().getTargetValidationMetadatas(Line, '', true, false);
    expect(metadata).toMatchObject({ propertyName: 'qty', target: Line });
    expect(ValidationTypes.NESTED_VALIDATION).toBe('nestedValidation');
    expect(declaredRules(Order)).toEqual(
      expect.arrayContaining([
        { propertyName: 'id', nested: false },
        { propertyName: 'line', nested: true },
      ]),
    );
  });
});
