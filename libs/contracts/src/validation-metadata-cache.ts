/**
 * Adapter: class-validator's (0.15) metadata storage, the one place the code reaches below its documented
 * decorators and `validate` functions. `validation-metadata-cache.spec.ts` is the canary that fails when an
 * upgrade changes what is used here. It uses:
 *
 * 1. `getMetadataStorage()` and its methods `getTargetValidationMetadatas(target, schema, always,
 *    strictGroups, groups)`, `groupByPropertyName(metadata)` and `addValidationMetadata(metadata)`: replaced
 *    on the storage object by memoised versions (see `cacheValidationMetadata`), because the validator calls
 *    the first two for every object it validates, and every decorator registers through the third.
 * 2. The metadata's `propertyName` and `type` (`ValidationTypes.NESTED_VALIDATION`): which fields a contract
 *    class declares and which of them are nested objects (`declaredRules`), read by `rejectUnknownFields`
 *    (validation.ts) and by the caller check of the RPC server (does a contract declare `caller`).
 */
import { getMetadataStorage, ValidationTypes } from 'class-validator';

type Storage = ReturnType<typeof getMetadataStorage>;
type Lookup = Storage['getTargetValidationMetadatas'];
type Metadata = ReturnType<Lookup>[number];

/**
 * Remembers class-validator's answer to "which rules apply to this class" between validations.
 *
 * class-validator 0.15 recomputes it on every object it validates: it filters the class's rules and walks
 * every class it knows (`prototype instanceof`) to find inherited ones, then groups them by property. With
 * the few hundred contract classes of this platform that showed in the gateway's, intake's and
 * routing's CPU profiles (see docs/decisions/0013). The answer depends only on the registered
 * metadata and the arguments, so it is kept per class and arguments, and forgotten whenever a rule or
 * schema is registered (decorators of a class loaded later). The arrays handed out are the library's own
 * results, which it only reads.
 *
 * Installed once per process, by importing this module (validation.ts does).
 */
function cacheValidationMetadata(): void {
  const storage = getMetadataStorage();
  const marked = storage as Storage & { [INSTALLED]?: true };
  if (marked[INSTALLED]) return;
  marked[INSTALLED] = true;

  let answers = new WeakMap<object, Map<string, Metadata[]>>();
  let groupings = new WeakMap<Metadata[], Record<string, Metadata[]>>();
  const forget = () => {
    answers = new WeakMap();
    groupings = new WeakMap();
  };

  const lookup: Lookup = storage.getTargetValidationMetadatas.bind(storage);
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    const key = `${schema}\u0000${always}\u0000${strictGroups}\u0000${groups?.join('\u0001') ?? ''}`;
    let byArguments = answers.get(target);
    if (!byArguments) answers.set(target, (byArguments = new Map<string, Metadata[]>()));
    let answer = byArguments.get(key);
    if (!answer) byArguments.set(key, (answer = lookup(target, schema, always, strictGroups, groups)));
    return answer;
  };

  const group = storage.groupByPropertyName.bind(storage);
  storage.groupByPropertyName = (metadata) => {
    let grouped = groupings.get(metadata);
    if (!grouped) groupings.set(metadata, (grouped = group(metadata)));
    return grouped;
  };

  // Schemas register through addValidationMetadata too.
  const add = storage.addValidationMetadata.bind(storage);
  storage.addValidationMetadata = (metadata) => {
    add(metadata);
    forget();
  };
}

const INSTALLED = Symbol.for('closeloop.validation-metadata-cache');

/** A field a class (with the classes it extends) declares a rule for. */
export interface DeclaredRule {
  propertyName: string;
  /** A `@ValidateNested()` rule: the field holds a nested object (or objects) validated by its own class. */
  nested: boolean;
}

/** The rules a class declares, in every group, one entry per rule (internal 2). */
export function declaredRules(cls: new (...args: never[]) => object): DeclaredRule[] {
  return getMetadataStorage()
    .getTargetValidationMetadatas(cls, '', true, false)
    .map((metadata) => ({
      propertyName: metadata.propertyName,
      nested: metadata.type === ValidationTypes.NESTED_VALIDATION,
    }));
}

cacheValidationMetadata();
