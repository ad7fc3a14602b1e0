import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { RoutingSettingsRepository } from '../settings/routing-settings.repository';
import { alertTiming, type SlaRulesSnapshot } from './sla-rules';

/** Reads the settings a ticket change or a sweep needs, together (the rules of them are in sla-rules.ts). */
@Injectable()
export class SlaRulesService {
  constructor(private readonly settings: RoutingSettingsRepository) {}

  /** Inside a transaction pass its manager (settings are read on the transaction's own connection). */
  async read(manager?: EntityManager): Promise<SlaRulesSnapshot> {
    const sla = await this.settings.get('sla', manager);
    const escalation = await this.settings.get('escalation', manager);
    const lifecycle = await this.settings.get('lifecycle', manager);
    const calendars = await this.settings.calendars(manager);
    return { sla, escalation, lifecycle, calendars, timing: alertTiming(sla, escalation) };
  }
}
