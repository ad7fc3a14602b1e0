import type { EntityManager } from 'typeorm';
import { validateContract, type FieldError } from '@closeloop/contracts';
import { checkDispatchSettings, type DirectoryState } from '../dispatch/dispatch-rules';
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
