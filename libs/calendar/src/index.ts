// @closeloop/calendar: pure business-time functions (no I/O, no Nest). See docs/calendar.md.
export {
  MAKE_UP_DEFAULT_WEEKDAY,
  WEEKDAY_KEYS,
  type CalendarDefinition,
  type Instant,
  type LocalDate,
  type OpenInterval,
  type TimeWindow,
  type WallTime,
  type WeekdayKey,
} from './calendar-definition';
export {
  CalendarArgumentError,
  CalendarHorizonError,
  CalendarValidationError,
  type CalendarIssue,
  type CalendarIssueCode,
} from './calendar-errors';
export { parseCalendar, validateCalendar } from './calendar-validation';
export { BusinessCalendar, compileCalendar, type CalendarInput } from './business-calendar';
export {
  DEFAULT_HORIZON_DAYS,
  addBusinessDuration,
  addCalendarDuration,
  businessTimeBetween,
  calendarTimeBetween,
  isOpen,
  isWorkingDay,
  localDateOf,
  nextOpen,
  openIntervalsOn,
  workingDaysAfter,
  type SearchOptions,
  type WorkingDay,
} from './business-time';
export { deriveCalendar, type CalendarOverrides } from './derive-calendar';
export { yearsWithoutHolidayData } from './holiday-coverage';
export {
  CHINA_HOLIDAY_ARRANGEMENTS,
  type HolidayArrangement,
  type HolidayPeriod,
} from './china/china-holidays';
export {
  defaultChinaCalendar,
  defaultChinaCallWindowsCalendar,
  expandHolidayArrangements,
} from './china/default-china-calendar';
export { nextLocalTime } from './next-local-time';
