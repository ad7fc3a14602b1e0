import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { compileCalendar, parseCalendar, type BusinessCalendar } from '@closeloop/calendar';
import { SettingsStore } from '@closeloop/persistence';
import { ImprovementSettings } from './improvement-settings';
import { LifecycleSettings } from './lifecycle-settings';
import { ComplianceSettings, EscalationSettings } from './escalation-settings';
import { CalendarSettings, SlaSettings } from './sla-settings';
import { DispatchSettings } from './dispatch-settings';

/** Compiled business calendars by id (settings `calendar`). */
export type CalendarLookup = (id: string) => BusinessCalendar | undefined;

/** routing's settings documents (docs/sla.md): each is read and replaced whole by an admin. */
export const ROUTING_SETTINGS = {
  sla: SlaSettings,
  calendar: CalendarSettings,
  lifecycle: LifecycleSettings,
  escalation: EscalationSettings,
  compliance: ComplianceSettings,
  improvement: ImprovementSettings,
  dispatch: DispatchSettings,
} as const;
export type RoutingSettingsKey = keyof typeof ROUTING_SETTINGS;

export function isRoutingSettingsKey(key: string): key is RoutingSettingsKey {
  return Object.hasOwn(ROUTING_SETTINGS, key);
}

@Injectable()
export class RoutingSettingsRepository extends SettingsStore<typeof ROUTING_SETTINGS> {
  // Compiled once per document read (the store caches a read for a few seconds), not once per ticket.
  private readonly compiled = new WeakMap<CalendarSettings, ReadonlyMap<string, BusinessCalendar>>();

  constructor(dataSource: DataSource) {
    super(dataSource, ROUTING_SETTINGS);
  }

  /** The business calendars of the `calendar` document, compiled, by id. */
  async calendars(manager?: EntityManager): Promise<CalendarLookup> {
    const document = await this.get('calendar', manager);
    let byId = this.compiled.get(document);
    if (!byId) {
      byId = new Map(
        document.calendars.map((definition) => {
          const calendar = compileCalendar(parseCalendar(definition));
          return [calendar.id, calendar] as const;
        }),
      );
      this.compiled.set(document, byId);
    }
    const found = byId;
    return (id) => found.get(id);
  }
}
