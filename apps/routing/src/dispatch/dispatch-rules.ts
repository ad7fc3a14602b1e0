import type { FeedbackType, Level } from '@closeloop/contracts';
import type { DirectoryState } from '../settings/dispatch-settings.checks';
import type { DispatchMatch, DispatchSettings } from '../settings/dispatch-settings';

// The document's checks live with the settings (settings/dispatch-settings.checks.ts); re-exported for
// the rules' readers and tests.
export { checkDispatchSettings, type DirectoryState } from '../settings/dispatch-settings.checks';

export interface DispatchInput {
  type: FeedbackType;
  category: string;
  level: Level;
}

export interface DispatchDecision {
  department: string;
  /** The rule that decided, or null for the fallback. */
  rule: string | null;
  requiredSkills: string[];
}

/**
 * R3: the department a ticket goes to. Rules are tried in order; a rule whose department has been
 * deactivated is passed over (its tickets fall through to the next rule or the fallback). A department
 * routing has not heard of yet is used as it stands: the ticket waits in its queue until agents exist.
 */
export function chooseDepartment(
  settings: DispatchSettings,
  ticket: DispatchInput,
  state: (department: string) => DirectoryState,
): DispatchDecision {
  for (const rule of settings.rules) {
    if (!matches(rule.match, ticket) || state(rule.department) === 'inactive') continue;
    return { department: rule.department, rule: rule.id, requiredSkills: rule.requiredSkills ?? [] };
  }
  return { department: settings.fallbackDepartment, rule: null, requiredSkills: [] };
}

export function matches(match: DispatchMatch, ticket: DispatchInput): boolean {
  if (match.types && !match.types.includes(ticket.type)) return false;
  if (match.levels && !match.levels.includes(ticket.level)) return false;
  if (match.categories && !match.categories.some((pattern) => categoryMatches(pattern, ticket.category))) {
    return false;
  }
  return true;
}

function categoryMatches(pattern: string, category: string): boolean {
  return pattern.endsWith('.*') ? category.startsWith(pattern.slice(0, -1)) : pattern === category;
}
