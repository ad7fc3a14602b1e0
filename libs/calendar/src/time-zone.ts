/**
 * Time-zone math on Node's built-in full ICU (`Intl.DateTimeFormat`), no dependency.
 * See docs/calendar.md "Library choice" and "Daylight saving time".
 *
 * "Wall ms" below means a local wall-clock reading encoded as if it were UTC epoch milliseconds
 * (2025-03-30 02:30 local -> Date.UTC(2025, 2, 30, 2, 30)). offset = wall - instant.
 */
import { MS_PER_DAY, MS_PER_SECOND } from './local-date';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isValidTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== 'string' || timeZone.length === 0) return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** UTC offset of `timeZone` at `epochMs`, in ms (Asia/Shanghai: +8 h). Offsets are whole seconds. */
export function zoneOffsetMs(timeZone: string, epochMs: number): number {
  const second = Math.floor(epochMs / MS_PER_SECOND) * MS_PER_SECOND;
  const fields = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatterFor(timeZone).formatToParts(second)) {
    if (part.type in fields) fields[part.type as keyof typeof fields] = Number(part.value);
  }
  const wall = new Date(0);
  wall.setUTCFullYear(fields.year, fields.month - 1, fields.day);
  wall.setUTCHours(fields.hour, fields.minute, fields.second, 0);
  return wall.getTime() - second;
}

export function instantToWallMs(timeZone: string, epochMs: number): number {
  return epochMs + zoneOffsetMs(timeZone, epochMs);
}

/**
 * Which instant a local wall time means. Deterministic on DST days:
 * - a wall time that happens once maps to that instant;
 * - a wall time that happens twice (fall back): `'earliest'` takes the first occurrence, `'latest'` the second;
 * - a wall time that never happens (spring-forward gap) maps to the instant the clocks jump,
 *   i.e. the first instant whose wall time is later than it, for either choice.
 * Assumes at most one offset change within a day either side, true of every real zone.
 */
export function wallMsToInstant(timeZone: string, wallMs: number, choice: 'earliest' | 'latest'): number {
  const offsetBefore = zoneOffsetMs(timeZone, wallMs - MS_PER_DAY);
  const offsetAfter = zoneOffsetMs(timeZone, wallMs + MS_PER_DAY);
  const offsets = offsetBefore === offsetAfter ? [offsetBefore] : [offsetBefore, offsetAfter];
  const matches = offsets
    .map((offset) => wallMs - offset)
    .filter((instant) => zoneOffsetMs(timeZone, instant) === wallMs - instant)
    .sort((a, b) => a - b);
  if (matches.length > 0) return choice === 'earliest' ? matches[0] : matches[matches.length - 1];
  return transitionInstant(timeZone, wallMs - offsetAfter, wallMs - offsetBefore, offsetBefore);
}

/** First instant in (low, high] whose offset is no longer `offsetBefore` (search by whole seconds). */
function transitionInstant(timeZone: string, low: number, high: number, offsetBefore: number): number {
  let lowSecond = Math.floor(low / MS_PER_SECOND);
  let highSecond = Math.ceil(high / MS_PER_SECOND);
  while (highSecond - lowSecond > 1) {
    const middle = Math.floor((lowSecond + highSecond) / 2);
    if (zoneOffsetMs(timeZone, middle * MS_PER_SECOND) === offsetBefore) lowSecond = middle;
    else highSecond = middle;
  }
  return highSecond * MS_PER_SECOND;
}
