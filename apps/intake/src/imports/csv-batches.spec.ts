import { Readable } from 'node:stream';
import { CUSTOMER_COLUMNS } from './customer-rows';
import { csvBatches, csvRows } from './csv-batches';
import { readRows, type RawRow } from './import-rows';

/** The file cut into chunks of `size` bytes (records cross chunk boundaries). */
async function* chunks(file: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < file.length; at += size) yield file.subarray(at, at + size);
}

async function viaBatches(
  csv: string,
  {
    size = 7,
    batchRows = 2,
    skip = (_line: number): boolean => false,
  }: { size?: number; batchRows?: number; skip?: (line: number) => boolean } = {},
): Promise<{ rows: RawRow[]; batches: number[] }> {
  const rows: RawRow[] = [];
  const batches: number[] = [];
  for await (const { batch, rows: n } of csvBatches(
    chunks(Buffer.from(csv), size),
    CUSTOMER_COLUMNS,
    batchRows,
    skip,
  )) {
    batches.push(n);
    rows.push(...csvRows(structuredClone(batch)));
  }
  return { rows, batches };
}

async function viaCsvParse(csv: string): Promise<RawRow[]> {
  const rows: RawRow[] = [];
  for await (const row of readRows(Readable.from([Buffer.from(csv)]), 'csv', CUSTOMER_COLUMNS))
    rows.push(row);
  return rows;
}

describe('csvBatches (decision 0012: cells are split in the worker)', () => {
  it('numbers rows by line, maps Chinese headers, skips blank lines, keeps quoted commas and line breaks', async () => {
    const csv =
      '\uFEFF姓名,手机\r\n"王, 小明",13800138000\r\n\r\n李四,13900139000\r\n"多\r\n行",13700137000\r\n,\r\n张三,"1360013""6000"';
    const { rows, batches } = await viaBatches(csv);
    expect(rows).toEqual([
      { line: 2, values: { name: '王, 小明', phone: '13800138000' } },
      { line: 4, values: { name: '李四', phone: '13900139000' } },
      { line: 6, values: { name: '多\r\n行', phone: '13700137000' } },
      { line: 8, values: { name: '张三', phone: '1360013"6000' } },
    ]);
    expect(batches).toEqual([2, 2]);
  });

  it('reads exactly what csv-parse reads, whatever the chunk size', async () => {
    const lines = ['externalId,name,phone,email'];
    for (let i = 0; i < 200; i++) {
      const name = i % 7 === 0 ? `"客户, ${i}"` : i % 11 === 0 ? `"a ""quoted""\nname ${i}"` : `客户${i}`;
      lines.push(i % 13 === 0 ? '' : `E-${i},${name},1370000${String(i).padStart(4, '0')},e${i}@example.com`);
    }
    for (const eol of ['\n', '\r\n']) {
      const csv = lines.join(eol) + eol;
      const expected = await viaCsvParse(csv);
      for (const size of [1, 3, 64, 100_000]) {
        expect((await viaBatches(csv, { size, batchRows: 17 })).rows).toEqual(expected);
      }
    }
  });

  it('leaves out the lines a resumed import committed', async () => {
    const csv = 'externalId\nA\nB\nC\nD\n';
    const { rows } = await viaBatches(csv, { skip: (line) => line === 3 || line === 4 });
    expect(rows.map((row) => row.line)).toEqual([2, 5]);
  });

  it('refuses an unknown column, an empty file and an unclosed quote', async () => {
    await expect(viaBatches('name,colour\nx,y\n')).rejects.toMatchObject({ code: 'IMPORT.INVALID_FILE' });
    await expect(viaBatches('')).rejects.toMatchObject({ code: 'IMPORT.INVALID_FILE' });
    await expect(viaBatches('name\n"open\n')).rejects.toMatchObject({ code: 'IMPORT.INVALID_FILE' });
  });
});
