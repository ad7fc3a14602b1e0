import { DomainError, type FeedbackType, type Level, type SubmitFeedbackDto } from '@closeloop/contracts';
import type { ClassificationRule, ClassificationSettings } from '../settings/intake-settings';

export interface Classification {
  category: string;
  level: Level;
  /** Which rules decided (I4 audit): rule ids, `client` for a given category, `default:<type>` otherwise. */
  classifiedBy: string[];
}

type Input = Pick<SubmitFeedbackDto, 'type' | 'channel' | 'emotion' | 'description' | 'request' | 'category'>;

/**
 * I2, I4: classify a feedback at intake. Rules run in order; for each of category and level the first rule
 * that sets it wins. A category given by the caller is kept (it must be in the taxonomy). Whatever no rule
 * decided falls back to the per-type default.
 */
export function classify(input: Input, settings: ClassificationSettings): Classification {
  if (input.category !== undefined && !settings.categories.includes(input.category)) {
    throw new DomainError('VALIDATION_FAILED', undefined, [
      { field: 'category', message: `must be one of: ${settings.categories.join(', ')}` },
    ]);
  }
  const text = `${input.description}\n${input.request ?? ''}`.toLowerCase();
  let category = input.category;
  let level: Level | undefined;
  const classifiedBy: string[] = category ? ['client'] : [];
  for (const rule of settings.rules) {
    if (category && level) break;
    if (!matches(rule, input, text)) continue;
    let used = false;
    if (!category && rule.set.category) {
      category = rule.set.category;
      used = true;
    }
    if (!level && rule.set.level) {
      level = rule.set.level;
      used = true;
    }
    if (used) classifiedBy.push(rule.id);
  }
  const type: FeedbackType = input.type;
  if (!category || !level) classifiedBy.push(`default:${type}`);
  return {
    category: category ?? settings.defaultCategoryByType[type],
    level: level ?? settings.defaultLevelByType[type],
    classifiedBy,
  };
}

function matches(rule: ClassificationRule, input: Input, text: string): boolean {
  const { typeIn, channelIn, emotionIn, keywordsAny } = rule.when;
  if (typeIn && !typeIn.includes(input.type)) return false;
  if (channelIn && !channelIn.includes(input.channel)) return false;
  if (emotionIn && (!input.emotion || !emotionIn.includes(input.emotion))) return false;
  if (keywordsAny && !keywordsAny.some((keyword) => text.includes(keyword.toLowerCase()))) return false;
  return true;
}
