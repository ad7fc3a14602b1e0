import { parse } from 'csv-parse/sync';
import { DomainError } from '@closeloop/contracts';
import { headerColumns, type Columns, type RawRow } from './import-rows';

/**
 * A batch of csv records as the file's bytes, for a worker thread to split into cells (decision 0012): the
 * main thread only finds where records end (newlines outside quotes), so parsing, validation and encryption
 * all run beside it, and a batch crosses to the worker as one buffer instead of thousands of objects.
 */
export interface CsvBatch {
  /** The canonical column of each position (undefined: a blank header cell). */
  header: (string | undefined)[];
  /** The batch's records, back to back (without their line breaks). */
  text: Uint8Array;
  /** Per record, four numbers: its line in the file (where it ends), start and end in `text`, quoted (1/0). */
  records: Int32Array;
}

const NL = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;

/** Line-level facts of one record found in a buffer. */
interface Found {
  start: number;
  end: number;
  next: number;
  newlines: number;
  quoted: boolean;
}

/**
 * Reads csv bytes as batches of up to `batchRows` records with their line numbers (the header is line 1;
 * a record's line is where it ends, as csv-parse counts). Blank lines are skipped, and so are the lines
 * `skip` names (a resumed import's committed ones). The header is read here: an unknown column fails the
 * import before any row is stored (IMPORT.INVALID_FILE).
 */
export async function* csvBatches(
  source: AsyncIterable<Buffer>,
  columns: Columns,
  batchRows: number,
  skip: (line: number) => boolean,
): AsyncGenerator<{ batch: CsvBatch; rows: number; lastLine: number }> {
  let header: (string | undefined)[] | null = null;
  let pending: Buffer = Buffer.alloc(0);
  let line = 1; // the line where the next record starts
  let first = true;
  let pieces: Buffer[] = [];
  let records: number[] = [];
  let bytes = 0;
  let lastLine = 0;
  const take = (buf: Buffer, found: Found, endLine: number) => {
    if (!header) {
      if (found.start === found.end) return; // blank lines before the header
      header = headerColumns(cellsOf(buf.toString('utf8', found.start, found.end), found.quoted), columns);
      return;
    }
    if (isBlank(buf, found.start, found.end) || skip(endLine)) return;
    pieces.push(buf.subarray(found.start, found.end));
    records.push(endLine, bytes, bytes + found.end - found.start, found.quoted ? 1 : 0);
    bytes += found.end - found.start;
    lastLine = endLine;
  };
  const batch = () => {
    const out = {
      batch: { header: header!, text: Buffer.concat(pieces, bytes), records: Int32Array.from(records) },
      rows: records.length / 4,
      lastLine,
    };
    pieces = [];
    records = [];
    bytes = 0;
    return out;
  };
  for await (const chunk of source) {
    const buf = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    const quotes = { next: UNKNOWN };
    let at = 0;
    if (first) {
      first = false;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) at = 3; // UTF-8 BOM
    }
    for (;;) {
      const found = recordAt(buf, at, false, quotes);
      if (!found) break;
      const endLine = line + found.newlines;
      take(buf, found, endLine);
      line = endLine + 1;
      at = found.next;
      if (records.length / 4 >= batchRows) yield batch();
    }
    pending = buf.subarray(at);
  }
  if (pending.length > 0) {
    const found = recordAt(pending, 0, true, { next: UNKNOWN })!;
    take(pending, found, line + found.newlines);
  }
  if (!header) throw new DomainError('IMPORT.INVALID_FILE', 'the file is empty: it needs a header row');
  if (records.length > 0) yield batch();
}

const UNKNOWN = -2;

/**
 * The record starting at `at`: up to the first line break outside quotes; null if the buffer ends first.
 * `quotes.next` remembers the next quote of the buffer (-1: none), so a file without quotes is not scanned
 * for them again at every record.
 */
function recordAt(buf: Buffer, at: number, last: boolean, quotes: { next: number }): Found | null {
  let newlines = 0;
  let open = false; // inside quotes
  let quoted = false;
  let from = at;
  if (quotes.next === UNKNOWN || (quotes.next !== -1 && quotes.next < at)) {
    quotes.next = buf.indexOf(QUOTE, at);
  }
  let quote = quotes.next;
  for (;;) {
    const nl = buf.indexOf(NL, from);
    const stop = nl === -1 ? buf.length : nl;
    while (quote !== -1 && quote < stop) {
      open = !open;
      quoted = true;
      quote = buf.indexOf(QUOTE, quote + 1);
    }
    quotes.next = quote;
    if (nl === -1) {
      if (!last) return null;
      return { start: at, end: trimCr(buf, at, buf.length), next: buf.length, newlines, quoted };
    }
    if (!open) return { start: at, end: trimCr(buf, at, nl), next: nl + 1, newlines, quoted };
    newlines += 1;
    from = nl + 1;
  }
}

function trimCr(buf: Buffer, start: number, end: number): number {
  return end > start && buf[end - 1] === CR ? end - 1 : end;
}

/** Only commas, quotes and blanks (a quick test; the worker drops any other all-blank row too). */
function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const b = buf[i];
    if (b !== 0x2c && b !== 0x20 && b !== 0x09 && b !== QUOTE) return false;
  }
  return true;
}

/** The cells of one record: a plain split when it has no quotes, csv-parse when it has. */
export function cellsOf(record: string, quoted: boolean): string[] {
  if (!quoted) return record.split(',');
  try {
    const parsed: string[][] = parse(record, { relax_column_count: true });
    return parsed[0] ?? [];
  } catch (error) {
    throw new DomainError(
      'IMPORT.INVALID_FILE',
      `not a readable csv file: ${(error as Error).message.slice(0, 200)}`,
    );
  }
}

/** The rows of a batch (in a worker thread): cells mapped to columns; all-blank rows dropped. */
export function csvRows(batch: CsvBatch): RawRow[] {
  const text = Buffer.from(batch.text.buffer, batch.text.byteOffset, batch.text.byteLength);
  const rows: RawRow[] = [];
  const { header, records } = batch;
  for (let i = 0; i < records.length; i += 4) {
    const cells = cellsOf(text.toString('utf8', records[i + 1], records[i + 2]), records[i + 3] === 1);
    const values: Record<string, string> = {};
    let blank = true;
    for (let c = 0; c < header.length; c++) {
      const column = header[c];
      const cell = cells[c];
      if (column === undefined || cell === undefined) continue;
      values[column] = cell;
      if (blank && cell.trim() !== '') blank = false;
    }
    if (blank && cells.every((cell) => cell.trim() === '')) continue;
    rows.push({ line: records[i], values });
  }
  return rows;
}
