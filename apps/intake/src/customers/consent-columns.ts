import { CONSENT_PURPOSES, type ConsentChannel, type ConsentPurpose } from '@closeloop/contracts';

/**
 * X1 consents live on the customer row, four columns per purpose (decision 0012): a customer has at most one
 * answer per purpose, and a row of its own per answer cost a bulk import two heap rows, two index entries and
 * two foreign key checks per customer. Column names come from this fixed list only (never from input).
 */
export interface ConsentColumns {
  granted: string;
  channel: string;
  givenAt: string;
  recordedBy: string;
}

export function consentColumns(purpose: ConsentPurpose): ConsentColumns {
  return {
    granted: `consent_${purpose}`,
    channel: `consent_${purpose}_channel`,
    givenAt: `consent_${purpose}_at`,
    recordedBy: `consent_${purpose}_by`,
  };
}

/** Every consent column, purpose by purpose (CONSENT_PURPOSES order), for SELECT and COPY lists. */
export const ALL_CONSENT_COLUMNS: string[] = [];
for (const purpose of CONSENT_PURPOSES) {
  const { granted, channel, givenAt, recordedBy } = consentColumns(purpose);
  ALL_CONSENT_COLUMNS.push(granted, channel, givenAt, recordedBy);
}

export interface StoredConsent {
  purpose: ConsentPurpose;
  granted: boolean;
  channel: ConsentChannel;
  givenAt: Date;
}

/** The consents recorded on a customer row (selected with ALL_CONSENT_COLUMNS), in purpose order. */
export function consentsOfRow(row: Record<string, unknown>): StoredConsent[] {
  const consents: StoredConsent[] = [];
  for (const purpose of CONSENT_PURPOSES) {
    const columns = consentColumns(purpose);
    const granted = row[columns.granted];
    if (granted === null || granted === undefined) continue;
    consents.push({
      purpose,
      granted: granted as boolean,
      channel: row[columns.channel] as ConsentChannel,
      givenAt: row[columns.givenAt] as Date,
    });
  }
  return consents;
}

/**
 * SET list that takes, per purpose, the answer of `source` (an alias with the same four columns) where
 * `takes(purpose)` holds, and keeps the stored one of `target` (the updated table's alias) otherwise.
 */
export function consentAssignments(
  target: string,
  source: string,
  takes: (purpose: ConsentPurpose) => string,
): string {
  return CONSENT_PURPOSES.flatMap((purpose) => {
    const when = takes(purpose);
    const { granted, channel, givenAt, recordedBy } = consentColumns(purpose);
    return [granted, channel, givenAt, recordedBy].map(
      (column) => `${column} = CASE WHEN ${when} THEN ${source}.${column} ELSE ${target}.${column} END`,
    );
  }).join(', ');
}

/** Whether `takes` holds for any purpose (the WHERE of an update that must not rewrite unchanged rows). */
export function anyConsentTaken(takes: (purpose: ConsentPurpose) => string): string {
  return `(${CONSENT_PURPOSES.map((purpose) => `(${takes(purpose)})`).join(' OR ')})`;
}
