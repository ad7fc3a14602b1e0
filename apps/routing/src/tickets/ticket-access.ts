import { hasRole, type Caller } from '@closeloop/contracts';
import type { TicketEntity } from './entities/ticket.entity';

type Scoped = Pick<TicketEntity, 'department' | 'assignee'>;

/**
 * Which tickets a caller may see (services authorize every object, architecture). Admins and analysts see
 * every ticket. Supervisors and agents see the tickets of the departments they belong to, the tickets
 * assigned to them, and tickets not yet dispatched to any department (the intake pool: nobody's
 * department, so no department's privacy is at stake, and somebody must be able to pick them up).
 */
export function maySee(caller: Caller, ticket: Scoped): boolean {
  if (hasRole(caller, 'admin', 'analyst')) return true;
  if (!hasRole(caller, 'supervisor', 'agent')) return false;
  return inScope(caller, ticket);
}

/** Who may change a ticket they can see: admins any; supervisors and agents in their scope; analysts never. */
export function mayAct(caller: Caller, ticket: Scoped): boolean {
  if (hasRole(caller, 'admin')) return true;
  return hasRole(caller, 'supervisor', 'agent') && inScope(caller, ticket);
}

function inScope(caller: Caller, ticket: Scoped): boolean {
  return (
    ticket.department === null ||
    caller.departments.includes(ticket.department) ||
    ticket.assignee === caller.userId
  );
}

/** The same rule as a list filter: everything, or departments + own assignments + the undispatched pool. */
export type Visibility = { all: true } | { all: false; departments: string[]; userId: string };

/** For a caller with a staff role (check `isStaff` first). */
export function visibilityOf(caller: Caller): Visibility {
  if (hasRole(caller, 'admin', 'analyst')) return { all: true };
  return { all: false, departments: caller.departments, userId: caller.userId };
}

export function isStaff(caller: Caller): boolean {
  return hasRole(caller, 'admin', 'supervisor', 'agent', 'analyst');
}
