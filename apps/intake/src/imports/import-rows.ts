import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type ExcelJS from 'exceljs';
import { DomainError, type ImportFormat } from '@closeloop/contracts';
import { wallMsToInstant } from '@closeloop/calendar/time-zone';

/** One data row: its line in the file (the header is line 1) and its values by canonical column name. */
export interface RawRow {
  line: number;
  values: Record<string, string>;
}

export interface RowError {
  line: number;
  field: string;
  message: string;
}

/** Collects a row's problems (field and reason; never the value). */
export class RowErrors {
  private readonly errors: RowError[] = [];

  constructor(private readonly line: number) {}

  add(field: string, message: string): void {
    this.errors.push({ line: this.line, field, message });
  }

  any(): boolean {
    return this.errors.length > 0;
  }

  /** Postgres stores no NUL character (U+0000) in text: a cell holding one is refused, the row kept out. */
  refuseNulCharacters(values: Readonly<Record<string, string | undefined>>): void {
    for (const column in values) {
      if (values[column]?.includes('\u0000')) this.add(column, 'contains a NUL character (U+0000)');
    }
  }

  list(): RowError[] {
    return this.errors;
  }
}

/** Canonical column names with their accepted aliases (lower-cased, e.g. Chinese headers). */
export type Columns = ReadonlyMap<string, string>;

export function columnsOf(aliases: Record<string, string[]>): Columns {
  const map = new Map<string, string>();
  for (const [column, names] of Object.entries(aliases)) {
    for (const name of [column, ...names]) map.set(name.toLowerCase(), column);
  }
  return map;
}

/** yes/no in the ways people write it in a spreadsheet; null when it is neither. */
export function flag(value: string): boolean | null {
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'y', '是', '同意'].includes(v)) return true;
  if (['0', 'false', 'no', 'n', '否', '不同意'].includes(v)) return false;
  return null;
}

/**
 * Dates as people and spreadsheets write them: ISO 8601 with an offset is taken as is; a date or a date and
 * time without one (`2026-11-02`, `2026-11-02 14:30`, an xlsx date cell) is a wall time in the business zone.
 */
export function instantParser(timeZone: string): (text: string) => Date | null {
  const wall = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
  return (text) => {
    const value = text.trim();
    if (/[zZ]$|[+-]\d{2}:?\d{2}$/.test(value)) {
      const date = new Date(value);
      return Number.isNaN(date.getTime()) ? null : date;
    }
    const m = wall.exec(value);
    if (!m) return null;
    const [, y, mo, d, h = '0', mi = '0', s = '0'] = m;
    const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
    const check = new Date(ms);
    if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23)
      return null;
    return new Date(wallMsToInstant(timeZone, ms, 'earliest'));
  };
}

/** The canonical column of each header cell; an unknown one fails the import (IMPORT.INVALID_FILE). */
export function headerColumns(cells: string[], columns: Columns): (string | undefined)[] {
  return cells.map((cell) => {
    const name = cell.trim().replace(/^\uFEFF/, '');
    if (name === '') return undefined;
    const column = columns.get(name.toLowerCase());
    if (!column) {
      throw new DomainError('IMPORT.INVALID_FILE', `unknown column "${name.slice(0, 40)}" in the header`);
    }
    return column;
  });
}

/**
 * Reads a csv or xlsx file as rows with line numbers, the header mapped to canonical columns. An unknown
 * column or an unreadable file fails the whole import (IMPORT.INVALID_FILE) before any row is stored.
 */
export async function* readRows(
  source: Readable,
  format: ImportFormat,
  columns: Columns,
): AsyncGenerator<RawRow> {
  let header: (string | undefined)[] | null = null;
  for await (const { line, cells } of format === 'csv' ? csvCells(source) : xlsxCells(source)) {
    if (!header) {
      header = headerColumns(cells, columns);
      continue;
    }
    if (cells.every((cell) => cell.trim() === '')) continue;
    const values: Record<string, string> = {};
    header.forEach((column, i) => {
      if (column && cells[i] !== undefined) values[column] = cells[i];
    });
    yield { line, values };
  }
  if (!header) throw new DomainError('IMPORT.INVALID_FILE', 'the file is empty: it needs a header row');
}

async function* csvCells(source: Readable): AsyncGenerator<{ line: number; cells: string[] }> {
  const parser = source.pipe(
    parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true, trim: false }),
  );
  try {
    for await (const record of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      yield { line: record.info.lines, cells: record.record };
    }
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw new DomainError(
      'IMPORT.INVALID_FILE',
      `not a readable csv file: ${(error as Error).message.slice(0, 200)}`,
    );
  }
}

async function* xlsxCells(source: Readable): AsyncGenerator<{ line: number; cells: string[] }> {
  // Loaded on the first xlsx import only: requiring exceljs costs about a second of every intake start.
  const { default: excel } = await import('exceljs');
  // Streaming: rows are read as they arrive, the workbook never held whole (large files).
  const reader = new excel.stream.xlsx.WorkbookReader(source, {
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    worksheets: 'emit',
  });
  try {
    for await (const worksheet of reader) {
      for await (const row of worksheet as AsyncIterable<ExcelJS.Row>) {
        const cells: string[] = [];
        row.eachCell({ includeEmpty: true }, (cell, column) => {
          cells[column - 1] = cellText(cell.value);
        });
        for (let i = 0; i < cells.length; i++) cells[i] ??= '';
        yield { line: row.number, cells };
      }
      return; // the first worksheet only
    }
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw new DomainError(
      'IMPORT.INVALID_FILE',
      `not a readable xlsx file: ${(error as Error).message.slice(0, 200)}`,
    );
  }
}

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) {
    // xlsx dates carry no zone: exceljs gives the wall time as UTC; keep it a wall time (business zone).
    return value.toISOString().slice(0, 19).replace('T', ' ');
  }
  if (typeof value === 'object') {
    if ('result' in value) return cellText(value.result);
    if ('text' in value && typeof value.text === 'string') return value.text;
    if ('richText' in value) return value.richText.map((part) => part.text).join('');
    return '';
  }
  return String(value);
}
