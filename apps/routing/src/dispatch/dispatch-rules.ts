import type { FeedbackType, FieldError, Level } from '@closeloop/contracts';
import type { DispatchMatch, DispatchSettings } from '../settings/dispatch-settings';

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

/** What routing knows of a department or skill: active, deactivated, or not (yet) in its read model. */
export type DirectoryState = 'active' | 'inactive' | 'unknown';

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

/**
 * A dispatch document against the directory as routing knows it: unique rule ids, every department (rules
 * and fallback) an active department, every required skill an active skill.
 */
export function checkDispatchSettings(
  settings: DispatchSettings,
  departments: (id: string) => DirectoryState,
  skills: (id: string) => DirectoryState,
): FieldError[] {
  const problems: FieldError[] = [];
  const ids = new Set<string>();
  const known = (state: DirectoryState, what: string) =>
    state === 'active'
      ? null
      : state === 'inactive'
        ? `${what} is deactivated`
        : `${what} is not in the org directory (just created? routing hears of it within moments: retry)`;
  settings.rules.forEach((rule, i) => {
    if (ids.has(rule.id)) problems.push({ field: `rules.${i}.id`, message: `duplicate rule id ${rule.id}` });
    ids.add(rule.id);
    const department = known(departments(rule.department), `department ${rule.department}`);
    if (department) problems.push({ field: `rules.${i}.department`, message: department });
    (rule.requiredSkills ?? []).forEach((skill, j) => {
      const problem = known(skills(skill), `skill ${skill}`);
      if (problem) problems.push({ field: `rules.${i}.requiredSkills.${j}`, message: problem });
    });
  });
  const fallback = known(
    departments(settings.fallbackDepartment),
    `department ${settings.fallbackDepartment}`,
  );
  if (fallback) problems.push({ field: 'fallbackDepartment', message: fallback });
  return problems;
}
