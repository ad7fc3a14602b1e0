/** One problem found in a calendar definition. `path` points into the JSON, e.g. `weeklyWindows.1[0].end`. */
export interface CalendarIssue {
  readonly path: string;
  readonly code: CalendarIssueCode;
  readonly message: string;
}

export type CalendarIssueCode =
  | 'CALENDAR.NOT_AN_OBJECT'
  | 'CALENDAR.UNKNOWN_FIELD'
  | 'CALENDAR.BAD_ID'
  | 'CALENDAR.BAD_TEXT'
  | 'CALENDAR.BAD_TIME_ZONE'
  | 'CALENDAR.BAD_WEEKDAY'
  | 'CALENDAR.NOT_AN_ARRAY'
  | 'CALENDAR.BAD_WINDOW'
  | 'CALENDAR.BAD_TIME'
  | 'CALENDAR.EMPTY_WINDOW'
  | 'CALENDAR.WINDOWS_UNSORTED'
  | 'CALENDAR.WINDOWS_OVERLAP'
  | 'CALENDAR.BAD_DATE'
  | 'CALENDAR.DUPLICATE_DATE'
  | 'CALENDAR.HOLIDAY_AND_WORKDAY'
  | 'CALENDAR.NO_MAKE_UP_WINDOWS'
  | 'CALENDAR.NO_WINDOWS';

/** Thrown when a definition is used or derived while invalid. Carries every issue, not just the first. */
export class CalendarValidationError extends Error {
  readonly code = 'CALENDAR.INVALID';

  constructor(
    readonly calendarId: string | undefined,
    readonly issues: readonly CalendarIssue[],
  ) {
    super(
      `calendar ${calendarId ?? '(no id)'} is invalid: ` +
        issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '),
    );
    this.name = 'CalendarValidationError';
  }
}

/** Thrown instead of searching forever: no open time (or no result) within the search horizon. */
export class CalendarHorizonError extends Error {
  readonly code = 'CALENDAR.HORIZON_EXCEEDED';

  constructor(
    readonly calendarId: string,
    readonly horizonDays: number,
    detail: string,
  ) {
    super(`calendar ${calendarId}: ${detail} within the search horizon of ${horizonDays} days`);
    this.name = 'CalendarHorizonError';
  }
}

/** A bad argument to an operation (invalid instant, negative duration, malformed date). */
export class CalendarArgumentError extends RangeError {
  readonly code = 'CALENDAR.INVALID_ARGUMENT';

  constructor(message: string) {
    super(message);
    this.name = 'CalendarArgumentError';
  }
}
