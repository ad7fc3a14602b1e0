import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Counter } from 'prom-client';
import { DomainError, hasRole, type Caller } from '@closeloop/contracts';
import { scrapeGauge, scrapeRead, ServiceMetrics } from '@closeloop/runtime';
import { AuditRepository } from '../audit/audit.repository';
import { IntakeSettingsRepository } from '../settings/intake-settings.repository';
import { ContactSearchRepository } from './contact-search.repository';

/** What a lookup searched by: a contact or a partner system's id. Never its value. */
export type ContactSearchKind = 'phone' | 'email' | 'externalId';

/**
 * X1, X2: a search by contact or external id is a sensitive read. A masked number such as `138****5678`
 * leaves 10,000 candidates, so unlimited exact searches would unmask it. Only the roles in the `privacy`
 * settings' `contactSearch.roles` may search (analysts are left out by default); each user gets
 * `contactSearch.limit` searches per window, counted in Postgres so replicas share the count; every search is
 * audited with the customers it returned and every refusal with none (the kind searched is the only trace of
 * what was asked: never the value).
 */
@Injectable()
export class ContactSearchGuard {
  private readonly searches: Counter<'kind' | 'outcome'>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly counters: ContactSearchRepository,
    private readonly settings: IntakeSettingsRepository,
    private readonly audit: AuditRepository,
    metrics: ServiceMetrics,
  ) {
    const registers = [metrics.registry];
    this.searches = new Counter({
      name: 'closeloop_contact_searches_total',
      help: 'Customer searches by contact or external id, by kind and outcome (found, not_found, refused, forbidden)',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    // Read at scrape time from the shared counters: every replica reports the same (aggregate with max).
    const shared = scrapeRead('contact search counters', async () => {
      const { contactSearch } = await this.settings.get('privacy');
      return {
        limit: contactSearch.limit,
        busiest: await this.counters.busiestUser(contactSearch.windowSeconds),
      };
    });
    scrapeGauge(
      registers,
      'closeloop_contact_searches_busiest_user',
      'The most searches by contact one user made in the current window (the same on every replica)',
      shared,
      (value) => value?.busiest,
    );
    scrapeGauge(
      registers,
      'closeloop_contact_search_limit',
      'Searches by contact allowed per user per window (privacy settings contactSearch.limit)',
      shared,
      (value) => value?.limit,
    );
  }

  /**
   * Before the lookup: the caller's role may search by contact, and this search is within their limit. A search
   * past the limit is counted, audited (committed before the refusal is answered) and refused with 429.
   */
  async admit(caller: Caller, kind: ContactSearchKind): Promise<void> {
    const { contactSearch } = await this.settings.get('privacy');
    if (!hasRole(caller, ...contactSearch.roles)) {
      this.searches.inc({ kind, outcome: 'forbidden' });
      throw new DomainError(
        'FORBIDDEN',
        `searching customers by ${kind} needs one of the roles: ${contactSearch.roles.join(', ')}`,
      );
    }
    const { searches, windowEnds } = await this.counters.take(caller.userId, contactSearch.windowSeconds);
    if (searches <= contactSearch.limit) return;
    await this.audit.write(this.dataSource.manager, {
      actor: caller.userId,
      action: 'customers.contact-search-refused',
      customerId: null,
      fields: [kind],
      reason: null,
    });
    this.searches.inc({ kind, outcome: 'refused' });
    throw new DomainError(
      'RATE_LIMITED',
      `at most ${contactSearch.limit} searches by contact per ${contactSearch.windowSeconds} s; ` +
        `the next window starts at ${windowEnds.toISOString()}`,
    );
  }

  /** After the lookup, before the answer: X2 names the customers the search returned (the audit commits first). */
  async record(caller: Caller, kind: ContactSearchKind, customerIds: string[]): Promise<void> {
    await this.audit.write(this.dataSource.manager, {
      actor: caller.userId,
      action: 'customers.contact-searched',
      customerId: customerIds.length === 1 ? customerIds[0] : null,
      customerIds: customerIds.length > 1 ? customerIds : null,
      fields: [kind],
      reason: null,
    });
    this.searches.inc({ kind, outcome: customerIds.length > 0 ? 'found' : 'not_found' });
  }
}
