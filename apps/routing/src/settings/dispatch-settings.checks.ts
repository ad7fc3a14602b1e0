import type { EntityManager } from 'typeorm';
import { validateContract, type FieldError } from '@closeloop/contracts';
import { DispatchSettings } from './dispatch-settings';

/** States of the given ids in one of routing's org tables (`org_departments`, `org_skills`). */
async function states(
  manager: EntityManager,
  table: 'org_departments' | 'org_skills',
  ids: string[],
): Promise<(id: string) => DirectoryState> {
  const rows: { id: string; active: boolean }[] = await manager.query(
    `SELECT id, active FROM routing.${table} WHERE id = ANY($1)`,
    [ids],
  );
  const byId = new Map(rows.map((row) => [row.id, row.active ? ('active' as const) : ('inactive' as const)]));
  return (id) => byId.get(id) ?? 'unknown';
}

/** The `dispatch` settings document, checked against routing's read model of the org directory. */
export async function dispatchSettingsProblems(
  manager: EntityManager,
  value: unknown,
): Promise<FieldError[]> {
  const document = validateContract(DispatchSettings, value);
  const departments = [document.fallbackDepartment, ...document.rules.map((rule) => rule.department)];
  const skills = document.rules.flatMap((rule) => rule.requiredSkills ?? []);
  return checkDispatchSettings(
    document,
    await states(manager, 'org_departments', departments),
    await states(manager, 'org_skills', skills),
  );
}

/** What routing knows of a department or skill: active, deactivated, or not (yet) in its read model. */
export type DirectoryState = 'active' | 'inactive' | 'unknown';

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
