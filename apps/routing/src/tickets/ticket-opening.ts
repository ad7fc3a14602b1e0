import { randomUUID } from 'node:crypto';
import type { FeedbackReceivedV1 } from '@closeloop/contracts';
import { dueTimes, type DueTimes } from '../sla/due-times';
import { nextDue, nextWorkAt, type ClockTicket } from '../sla/sla-clock';
import type { SlaRulesSnapshot } from './sla-rules';
import type { NewTicketRow } from './ticket.repository';

/** A ticket about to be opened for a received feedback: its row and its due times. */
export interface NewTicket {
  row: NewTicketRow;
  due: DueTimes;
}

/**
 * R1: the ticket of a received feedback, in `department` (R3), with its level and the due times of the first
 * matching SLA policy as the settings are now; I4: intake classified it, so it starts classified (R6);
 * R7: the sweep first looks at it at its first warning (at once when one is due already). Pure.
 */
export function newTicket(
  feedback: FeedbackReceivedV1,
  department: string,
  rules: Pick<SlaRulesSnapshot, 'sla' | 'calendars' | 'timing'>,
  openedAt: Date,
): NewTicket {
  const receivedAt = new Date(feedback.receivedAt);
  // G1: the customer's segment as intake knew it at receipt (absent: segment policies do not match).
  const segment = feedback.segment ?? null;
  const facts = { level: feedback.level, type: feedback.type, channel: feedback.channel, segment };
  const due = dueTimes(rules.sla, rules.calendars, facts, receivedAt);
  const clock: ClockTicket = {
    status: 'classified',
    pausedAt: null,
    round: 0,
    respondedAt: null,
    dueFirstResponse: due.firstResponse,
    plannedAt: null,
    duePlan: due.plan,
    resolvedAt: null,
    dueResolution: due.resolution,
    nextProgressDue: due.nextProgress,
    progressSeq: 0,
  };
  return {
    due,
    row: {
      id: randomUUID(),
      ticketNo: feedback.ticketNo,
      feedbackId: feedback.feedbackId,
      customerId: feedback.customerId ?? null,
      type: feedback.type,
      category: feedback.category,
      level: feedback.level,
      channel: feedback.channel,
      segment,
      status: clock.status,
      department,
      assignee: null,
      slaPolicy: due.policy,
      slaCalendar: due.calendar,
      slaTargets: due.targets,
      receivedAt,
      dueFirstResponse: due.firstResponse,
      duePlan: due.plan,
      dueResolution: due.resolution,
      nextProgressDue: due.nextProgress,
      nextDueAt: nextDue(clock),
      nextAlertAt: nextWorkAt(clock, openedAt, rules.timing),
    },
  };
}
