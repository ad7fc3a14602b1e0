import { nextLocalTime } from '@closeloop/calendar';
import type { IntakeSettingsRepository } from './intake-settings.repository';

/**
 * The nightly time of the `segments` settings after `after`: the G1 pass and X1 retention both run then. Read
 * again for every run, so a changed time applies from the next one.
 */
export async function nextNightly(settings: IntakeSettingsRepository, after: Date): Promise<Date> {
  const { nightly } = await settings.get('segments');
  return nextLocalTime(after, nightly.localTime, nightly.timeZone);
}
