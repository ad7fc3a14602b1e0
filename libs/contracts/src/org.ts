/**
 * Org directory vocabulary (R3, C4, C9): shared by the gateway (which owns the directory), routing (which
 * keeps a read model of it) and partners. Values are part of the public contract: never rename one.
 */

/** Ids of departments, stores and skills: stable slugs chosen by the admin (`after-sales`, `store-sh-017`). */
export const ORG_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;
export const ORG_ID_MESSAGE =
  'must be lower-case letters, digits and dashes (at most 64), starting with a letter or digit';

/**
 * How a department hands its tickets to agents (docs/org-and-dispatch.md):
 * - `round_robin`: the next agent in turn who is on shift and has capacity;
 * - `least_load`: the agent with the fewest open tickets (relative to capacity), ties in turn order;
 * - `skills`: the agent whose skills fit the ticket most closely (fewest skills beyond those required),
 *   then least load.
 * Whatever the strategy, required skills are a hard filter and C9 may prefer the customer's previous agent.
 */
export const ASSIGNMENT_STRATEGIES = ['round_robin', 'least_load', 'skills'] as const;
export type AssignmentStrategy = (typeof ASSIGNMENT_STRATEGIES)[number];

/** An agent takes new tickets only while on shift. */
export const AVAILABILITIES = ['on_shift', 'away'] as const;
export type Availability = (typeof AVAILABILITIES)[number];

/** C4: a store's size class decides its callback quotas. */
export const STORE_SIZE_CLASSES = ['small', 'large'] as const;
export type StoreSizeClass = (typeof STORE_SIZE_CLASSES)[number];

/** How a ticket moved between departments, queues and agents (ticket history and `ticket.assigned.v1`). */
export const ASSIGNMENT_MOVES = ['dispatch', 'queue', 'reassign', 'requeue'] as const;
export type AssignmentMove = (typeof ASSIGNMENT_MOVES)[number];
