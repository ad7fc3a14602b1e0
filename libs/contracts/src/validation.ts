import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { DomainError, type FieldError } from './errors';
import { declaredRules } from './validation-metadata-cache';

export { declaredRules, type DeclaredRule } from './validation-metadata-cache';

/**
 * Validates a plain object against a contract class: unknown fields are rejected, nested objects validated.
 * Used on both sides of every hop (publish and consume, request and handle).
 */
export function validateContract<T extends object>(cls: ClassConstructor<T>, plain: unknown): T {
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) {
    throw new DomainError('VALIDATION_FAILED', 'Expected a JSON object', [
      { field: '', message: 'must be an object' },
    ]);
  }
  const instance = plainToInstance(cls, plain, { enableImplicitConversion: false });
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
  const fields = flattenValidationErrors(errors);
  unstorableText(plain, '', fields);
  if (fields.length > 0) throw new DomainError('VALIDATION_FAILED', undefined, fields);
  return instance;
}

/** A UTF-16 surrogate with no partner: with the `u` flag a well-formed pair is one code point, never matched. */
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * Text Postgres cannot store is refused here, field by field, as bad input (400 with the field) instead of
 * failing later in a statement as an internal error: a NUL character (U+0000), which no text column takes;
 * and a lone UTF-16 surrogate (issue 14.4), which is not Unicode: JSON.stringify writes it as a `\ud800`
 * escape that a jsonb column (an outbox envelope) refuses at COMMIT, failing a whole commit group each time,
 * and pg would store it in a text column as U+FFFD, not as sent.
 */
function unstorableText(value: unknown, path: string, out: FieldError[]): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000'))
      out.push({ field: path, message: 'must not contain a NUL character (U+0000)' });
    if (LONE_SURROGATE.test(value))
      out.push({ field: path, message: 'must be valid Unicode text (a lone UTF-16 surrogate was found)' });
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, item] of Object.entries(value) as [string, unknown][]) {
    unstorableText(item, path ? `${path}.${key}` : key, out);
  }
}

export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) {
      out.push({ field, message: message.replace(/^property /, '') });
    }
    if (error.children?.length) out.push(...flattenValidationErrors(error.children, field));
  }
  return out;
}

/** The fields a contract class declares, and the classes of its nested objects (null: not known). */
interface Shape {
  fields: ReadonlySet<string>;
  nested: ReadonlyMap<string, ClassConstructor<object> | null>;
}

const shapes = new WeakMap<ClassConstructor<object>, Shape>();

function shapeOf(cls: ClassConstructor<object>): Shape {
  let shape = shapes.get(cls);
  if (shape) return shape;
  const rules = declaredRules(cls);
  const nested = new Map<string, ClassConstructor<object> | null>();
  for (const rule of rules) {
    if (!rule.nested) continue;
    const type: unknown = Reflect.getMetadata('design:type', cls.prototype as object, rule.propertyName);
    // Arrays and untyped objects say nothing about their items: the caller falls back to full validation.
    const known = typeof type === 'function' && type !== Array && type !== Object;
    nested.set(rule.propertyName, known ? (type as ClassConstructor<object>) : null);
  }
  shape = { fields: new Set(rules.map((rule) => rule.propertyName)), nested };
  shapes.set(cls, shape);
  return shape;
}

/** Collects fields `plain` has and `cls` does not declare; false when a nested class is not known. */
function collectUnknown(
  cls: ClassConstructor<object>,
  plain: object,
  path: string,
  out: FieldError[],
): boolean {
  const shape = shapeOf(cls);
  for (const [key, value] of Object.entries(plain) as [string, unknown][]) {
    if (value === undefined) continue;
    const field = path ? `${path}.${key}` : key;
    if (!shape.fields.has(key)) {
      out.push({ field, message: `${key} should not exist` });
      continue;
    }
    const nested = shape.nested.get(key);
    if (nested === null) return false;
    if (nested && value !== null && typeof value === 'object' && !collectUnknown(nested, value, field, out)) {
      return false;
    }
  }
  return true;
}

/**
 * Rejects fields the contract does not declare, at any depth, without checking the values: the cheap part of
 * `validateContract`, for objects our own code built with the contract's type (TypeScript checks their values'
 * types but lets extra fields through a spread). Used where events are published: no field beyond the
 * contract (a phone, a name) can reach partners, and every consumer validates the values. Falls back to
 * `validateContract` for shapes it cannot follow (arrays of nested objects).
 */
export function rejectUnknownFields<T extends object>(cls: ClassConstructor<T>, plain: T): T {
  const unknown: FieldError[] = [];
  if (!collectUnknown(cls, plain, '', unknown)) {
    validateContract(cls, plain);
    return plain;
  }
  if (unknown.length > 0) throw new DomainError('VALIDATION_FAILED', undefined, unknown);
  return plain;
}
