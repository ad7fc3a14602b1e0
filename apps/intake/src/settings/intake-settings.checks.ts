import { isValidTimeZone } from '@closeloop/calendar/time-zone';
import { FEEDBACK_TYPES, LEVELS, type FieldError } from '@closeloop/contracts';
import type { ClassificationSettings, IntakeSettingKey, TicketNumberSettings } from './intake-settings';

/**
 * Checks beyond field types, for the documents whose fields refer to each other (I2, I4) or name something
 * outside the document (I3's time zone). The class validation has already passed.
 */
export function checkIntakeSettings(key: IntakeSettingKey, value: object): FieldError[] {
  switch (key) {
    case 'classification':
      return checkClassification(value as ClassificationSettings);
    case 'ticketNumber':
      return checkTicketNumbers(value as TicketNumberSettings);
    case 'privacy':
    case 'recording':
    case 'retention':
    case 'segments':
      // Their field types and ranges say everything (checked by the class validation).
      return [];
  }
}

/** I2, I4: every category a rule or a default names is in the taxonomy; every type has its defaults. */
function checkClassification(document: ClassificationSettings): FieldError[] {
  const problems: FieldError[] = [];
  const categories = new Set(document.categories);
  if (categories.size !== document.categories.length) {
    problems.push({ field: 'categories', message: 'categories must be unique' });
  }
  const ids = new Set<string>();
  document.rules.forEach((rule, i) => {
    if (ids.has(rule.id)) problems.push({ field: `rules.${i}.id`, message: `duplicate rule id ${rule.id}` });
    ids.add(rule.id);
    if (rule.set.category !== undefined && !categories.has(rule.set.category)) {
      problems.push({
        field: `rules.${i}.set.category`,
        message: `${rule.set.category} is not in categories`,
      });
    }
    if (rule.set.category === undefined && rule.set.level === undefined) {
      problems.push({ field: `rules.${i}.set`, message: 'a rule must set a category, a level or both' });
    }
  });
  for (const type of FEEDBACK_TYPES) {
    const category: unknown = document.defaultCategoryByType[type];
    if (typeof category !== 'string' || !categories.has(category)) {
      problems.push({
        field: `defaultCategoryByType.${type}`,
        message: `needs a category from categories for ${type}`,
      });
    }
    const level: unknown = document.defaultLevelByType[type];
    if (!(LEVELS as readonly unknown[]).includes(level)) {
      problems.push({ field: `defaultLevelByType.${type}`, message: `needs L1, L2 or L3 for ${type}` });
    }
  }
  for (const key of Object.keys(document.defaultCategoryByType)) {
    if (!(FEEDBACK_TYPES as readonly string[]).includes(key)) {
      problems.push({ field: `defaultCategoryByType.${key}`, message: `${key} is not a feedback type` });
    }
  }
  for (const key of Object.keys(document.defaultLevelByType)) {
    if (!(FEEDBACK_TYPES as readonly string[]).includes(key)) {
      problems.push({ field: `defaultLevelByType.${key}`, message: `${key} is not a feedback type` });
    }
  }
  return problems;
}

/** I3: the business date needs a real IANA time zone. */
function checkTicketNumbers(document: TicketNumberSettings): FieldError[] {
  return isValidTimeZone(document.timeZone)
    ? []
    : [{ field: 'timeZone', message: `${document.timeZone} is not an IANA time zone` }];
}
