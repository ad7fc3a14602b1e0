import { MS_PER_DAY, MS_PER_MINUTE } from '@closeloop/calendar/local-date';
import { instantToWallMs, wallMsToInstant } from '@closeloop/calendar/time-zone';
import type { IntakeSettingsRepository } from '../settings/intake-settings.repository';

/**
 * The first instant after `after` at which the wall clock of `timeZone` shows `hh:mm` (a nightly job's
 * "02:30 in Asia/Shanghai"). A time skipped by a DST change runs when the clocks jump; one repeated runs once.
 */
export function nextLocalTime(after: Date, hhmm: string, timeZone: string): Date {
  const [hours, minutes] = hhmm.split(':').map(Number);
  const wallNow = instantToWallMs(timeZone, after.getTime());
  const wallMidnight = Math.floor(wallNow / MS_PER_DAY) * MS_PER_DAY;
  for (let day = 0; day < 3; day++) {
    const wall = wallMidnight + day * MS_PER_DAY + (hours * 60 + minutes) * MS_PER_MINUTE;
    const instant = wallMsToInstant(timeZone, wall, 'earliest');
    if (instant > after.getTime()) return new Date(instant);
  }
  throw new Error(`no ${hhmm} in ${timeZone} within three days of ${after.toISOString()}`);
}

/**
 * The nightly time of the `segments` settings after `after`: the G1 pass and X1 retention both run then. Read
 * again for every run, so a changed time applies from the next one.
 */
export async function nextNightly(settings: IntakeSettingsRepository, after: Date): Promise<Date> {
  const { nightly } = await settings.get('segments');
  return nextLocalTime(after, nightly.localTime, nightly.timeZone);
}
