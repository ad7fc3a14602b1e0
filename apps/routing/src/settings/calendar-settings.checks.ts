import { validateCalendar } from '@closeloop/calendar';
import type { FieldError } from '@closeloop/contracts';
import { checkSlaSettings } from './sla-settings.checks';
import type { CalendarSettings, SlaSettings } from './sla-settings';

/** A settings document other than `sla` that names a calendar (lifecycle, compliance, improvement). */
export interface CalendarReference {
  key: string;
  calendar: string;
}

/**
 * Every calendar valid (docs/calendar.md), ids unique, and every calendar an SLA policy or another
 * settings document names still there.
 */
export function checkCalendarSettings(
  document: CalendarSettings,
  sla: SlaSettings | null,
  others: readonly CalendarReference[] = [],
): FieldError[] {
  const problems: FieldError[] = [];
  const ids = new Set<string>();
  document.calendars.forEach((definition, i) => {
    for (const issue of validateCalendar(definition)) {
      problems.push({
        field: issue.path ? `calendars.${i}.${issue.path}` : `calendars.${i}`,
        message: `${issue.code}: ${issue.message}`,
      });
    }
    const id = definition.id;
    if (typeof id === 'string') {
      if (ids.has(id)) problems.push({ field: `calendars.${i}.id`, message: `duplicate calendar id ${id}` });
      ids.add(id);
    }
  });
  for (const policy of sla?.policies ?? []) {
    if (!ids.has(policy.calendar)) {
      problems.push({
        field: 'calendars',
        message: `calendar ${policy.calendar} is used by SLA policy ${policy.id}: change the policy first`,
      });
    }
  }
  for (const { key, calendar } of others) {
    if (!ids.has(calendar)) {
      problems.push({
        field: 'calendars',
        message: `calendar ${calendar} is used by the ${key} settings: change them first`,
      });
    }
  }
  return problems;
}

/** A document naming a calendar: it must exist. */
export function checkCalendarReference(calendar: string, calendarIds: ReadonlySet<string>): FieldError[] {
  return calendarIds.has(calendar) ? [] : [{ field: 'calendar', message: `no calendar with id ${calendar}` }];
}

export function calendarIds(document: CalendarSettings): Set<string> {
  return new Set(document.calendars.map((c) => c.id).filter((id): id is string => typeof id === 'string'));
}

export { checkSlaSettings };
