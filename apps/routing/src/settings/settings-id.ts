import { Matches } from 'class-validator';
import { ORG_ID_PATTERN } from '@closeloop/contracts';

/** The id of a dispatch rule or an SLA policy: the same shape as an org id (lower-case, digits, dashes). */
export const IsSettingsId = (): PropertyDecorator =>
  Matches(ORG_ID_PATTERN, { message: 'id must be lower-case letters, digits and dashes (at most 64)' });
