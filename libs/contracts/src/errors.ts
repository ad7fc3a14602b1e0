/**
 * Stable error codes, shared by every service and mapped to HTTP problem+json in one place (the gateway's
 * problem filter). A code, once published, never changes meaning.
 */
export const ErrorCodes = {
  VALIDATION_FAILED: { status: 400, title: 'Request validation failed' },
  MALFORMED_JSON: { status: 400, title: 'The body is not valid JSON' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'The body is larger than allowed' },
  UNAUTHENTICATED: { status: 401, title: 'Authentication required' },
  INVALID_CREDENTIALS: { status: 401, title: 'Invalid e-mail or password' },
  FORBIDDEN: { status: 403, title: 'Not allowed for this role' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  'TICKET.NOT_FOUND': { status: 404, title: 'Ticket not found' },
  'TICKET.INVALID_TRANSITION': { status: 409, title: 'The ticket is not in a state that allows this' },
  'TICKET.LINK_INVALID': { status: 404, title: 'This link is not valid' },
  'TICKET.LINK_USED': { status: 410, title: 'This link was already used' },
  'TICKET.LINK_EXPIRED': { status: 410, title: 'This link has expired' },
  'IMPROVEMENT_CASE.NOT_FOUND': { status: 404, title: 'Improvement case not found' },
  'CUSTOMER.NOT_FOUND': { status: 404, title: 'Customer not found' },
  'CUSTOMER.ERASED': { status: 410, title: 'This customer was erased on request' },
  'CUSTOMER.CONTACT_TAKEN': { status: 409, title: 'A contact or external id belongs to another customer' },
  'CUSTOMER.MERGE_INVALID': { status: 409, title: 'These customers cannot be merged' },
  'ORDER.NOT_FOUND': { status: 404, title: 'Order not found' },
  'ORDER.EXTERNAL_ID_TAKEN': {
    status: 409,
    title: 'An order with this external id exists with different content',
  },
  'IMPORT.NOT_FOUND': { status: 404, title: 'Import not found' },
  'IMPORT.INVALID_FILE': { status: 400, title: 'The file cannot be read as the declared format' },
  'IMPORT.INCOMPLETE': { status: 409, title: 'The upload is incomplete or was committed already' },
  'USER.EMAIL_TAKEN': { status: 409, title: 'A user with this e-mail exists' },
  'DEPARTMENT.NOT_FOUND': { status: 404, title: 'Department not found' },
  'STORE.NOT_FOUND': { status: 404, title: 'Store not found' },
  'SKILL.NOT_FOUND': { status: 404, title: 'Skill not found' },
  'AGENT.NOT_FOUND': { status: 404, title: 'Agent not found (a user with the agent or supervisor role)' },
  'ORG.ID_TAKEN': { status: 409, title: 'This id is taken (ids are never reused, even when deactivated)' },
  'ORG.IN_USE': { status: 409, title: 'Still in use: active records point to it' },
  'ASSIGNMENT.AGENT_AT_CAPACITY': {
    status: 409,
    title: 'The agent has as many open tickets as their capacity',
  },
  'COLLABORATION.NOT_FOUND': { status: 404, title: 'Collaboration not found' },
  'COLLABORATION.ALREADY_DONE': { status: 409, title: 'This collaboration was already completed' },
  'FEEDBACK.ALREADY_RECORDED': {
    status: 409,
    title: 'Another user already recorded this channel message or Idempotency-Key',
  },
  'IDEMPOTENCY.KEY_REUSED': {
    status: 422,
    title: 'This Idempotency-Key was already used with a different request',
  },
  PRECONDITION_REQUIRED: { status: 428, title: 'This update needs an If-Match header with the current ETag' },
  PRECONDITION_FAILED: { status: 412, title: 'The document changed since it was read (stale If-Match)' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  SERVICE_UNAVAILABLE: { status: 503, title: 'A service needed for this request is unavailable' },
  INTERNAL: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ErrorCodes;

export interface FieldError {
  /** Dotted path of the offending field, e.g. `customer.phone`. */
  field: string;
  message: string;
}

/** The serialisable form of an error, as carried in an RPC reply. */
export interface ErrorBody {
  code: ErrorCode;
  detail?: string;
  fields?: FieldError[];
}

/** An expected, classified failure. Anything else is an internal error. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    detail?: string,
    readonly fields?: FieldError[],
  ) {
    super(detail ?? ErrorCodes[code].title);
    this.name = 'DomainError';
  }

  get status(): number {
    return ErrorCodes[this.code].status;
  }

  toBody(): ErrorBody {
    return { code: this.code, detail: this.message, ...(this.fields ? { fields: this.fields } : {}) };
  }

  static fromBody(body: ErrorBody): DomainError {
    const code: ErrorCode = body.code in ErrorCodes ? body.code : 'INTERNAL';
    return new DomainError(code, body.detail, body.fields);
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && value in ErrorCodes;
}
