import { Injectable } from '@nestjs/common';
import { localDateOf, parseCalendar, yearsWithoutHolidayData } from '@closeloop/calendar';
import { createLogger } from '@closeloop/observability';
import { ScheduledJob } from '@closeloop/scheduling';
import type { RoutingEnv } from '../routing.env';
import { RoutingSettingsRepository } from '../settings/routing-settings.repository';

const log = createLogger('calendar-coverage');

/** How far ahead a missing year of holiday data is reported: a quarter leaves time to enter the notice. */
const LOOKAHEAD_DAYS = 90;
/** Reported at most this often (a warning in the logs), once across replicas. */
const EVERY_MS = 6 * 3_600_000;

/**
 * Warns operators when a business calendar will run out of holiday data (docs/calendar.md, "next year's
 * arrangement"): China publishes next year's holidays and 调休 only weeks before the year starts, and a year
 * without them would count every holiday as a working day in SLA due times (R1, R2).
 */
@Injectable()
export class CalendarCoverageScheduler {
  constructor(private readonly settings: RoutingSettingsRepository) {}

  @ScheduledJob('calendar-coverage', {
    every: (env: RoutingEnv) => env.SLA_SWEEP_INTERVAL_MS,
    nextRun: (_self: CalendarCoverageScheduler, after) => new Date(after.getTime() + EVERY_MS),
  })
  async check(): Promise<void> {
    await this.run(new Date());
  }

  /** The calendars lacking holiday data within the look-ahead, with the years; logged as warnings. */
  async run(now: Date): Promise<{ calendar: string; years: number[] }[]> {
    const { calendars } = await this.settings.get('calendar');
    const gaps = calendars
      .map((stored) => parseCalendar(stored))
      .map((definition) => ({
        calendar: definition.id,
        years: yearsWithoutHolidayData(
          definition,
          localDateOf(definition, now),
          localDateOf(definition, now.getTime() + LOOKAHEAD_DAYS * 86_400_000),
        ),
      }))
      .filter((gap) => gap.years.length > 0);
    for (const gap of gaps) {
      log.warn(
        gap,
        'a business calendar has no holidays or make-up workdays for a coming year: add them with ' +
          'PUT /api/v1/settings/calendar (docs/calendar.md) or due times will treat those holidays as working days',
      );
    }
    return gaps;
  }
}
