/**
 * Seeded data: mainland China public holiday arrangements (放假调休), transcribed from the State Council
 * General Office notices. Each period is copied as the notice words it ("X月X日至X日放假调休，共N天。
 * X月X日（周X）上班。"); `days` is the notice's own 共N天, checked by the spec. Dates are local
 * (Asia/Shanghai). Next year's arrangement is added as settings data, not here: see docs/calendar.md.
 */
import type { LocalDate } from '../calendar-definition';

export interface HolidayPeriod {
  /** Festival as named in the notice. */
  readonly name: string;
  /** First and last day off, inclusive, as stated in the notice. */
  readonly from: LocalDate;
  readonly to: LocalDate;
  /** The notice's "共N天"; undefined where the notice only says "与周末连休" (off that day, joined to a weekend). */
  readonly days?: number;
  /** Weekend days the notice declares working days (X月X日上班). */
  readonly makeUpWorkdays: readonly LocalDate[];
}

export interface HolidayArrangement {
  readonly year: number;
  /** Title, document number where known, and date of the notice. */
  readonly notice: string;
  readonly periods: readonly HolidayPeriod[];
}

export const CHINA_HOLIDAY_ARRANGEMENTS: readonly HolidayArrangement[] = [
  // 2024: 国务院办公厅关于2024年部分节假日安排的通知，国办发明电〔2023〕7号，2023年10月25日.
  // (除夕 2024-02-09 is only "encouraged" as a day off in the notice, so it is a working day here.)
  {
    year: 2024,
    notice: '国务院办公厅关于2024年部分节假日安排的通知（国办发明电〔2023〕7号，2023年10月25日）',
    periods: [
      { name: '元旦', from: '2024-01-01', to: '2024-01-01', makeUpWorkdays: [] },
      {
        name: '春节',
        from: '2024-02-10',
        to: '2024-02-17',
        days: 8,
        makeUpWorkdays: ['2024-02-04', '2024-02-18'],
      },
      { name: '清明节', from: '2024-04-04', to: '2024-04-06', days: 3, makeUpWorkdays: ['2024-04-07'] },
      {
        name: '劳动节',
        from: '2024-05-01',
        to: '2024-05-05',
        days: 5,
        makeUpWorkdays: ['2024-04-28', '2024-05-11'],
      },
      { name: '端午节', from: '2024-06-10', to: '2024-06-10', makeUpWorkdays: [] },
      { name: '中秋节', from: '2024-09-15', to: '2024-09-17', days: 3, makeUpWorkdays: ['2024-09-14'] },
      {
        name: '国庆节',
        from: '2024-10-01',
        to: '2024-10-07',
        days: 7,
        makeUpWorkdays: ['2024-09-29', '2024-10-12'],
      },
    ],
  },
  // 2025: 国务院办公厅关于2025年部分节假日安排的通知，国办发明电〔2024〕12号，2024年11月12日
  // (first year under the revised 全国年节及纪念日放假办法: 除夕 and 5月2日 became public holidays).
  {
    year: 2025,
    notice: '国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号，2024年11月12日）',
    periods: [
      { name: '元旦', from: '2025-01-01', to: '2025-01-01', days: 1, makeUpWorkdays: [] },
      {
        name: '春节',
        from: '2025-01-28',
        to: '2025-02-04',
        days: 8,
        makeUpWorkdays: ['2025-01-26', '2025-02-08'],
      },
      { name: '清明节', from: '2025-04-04', to: '2025-04-06', days: 3, makeUpWorkdays: [] },
      { name: '劳动节', from: '2025-05-01', to: '2025-05-05', days: 5, makeUpWorkdays: ['2025-04-27'] },
      { name: '端午节', from: '2025-05-31', to: '2025-06-02', days: 3, makeUpWorkdays: [] },
      {
        name: '国庆节、中秋节',
        from: '2025-10-01',
        to: '2025-10-08',
        days: 8,
        makeUpWorkdays: ['2025-09-28', '2025-10-11'],
      },
    ],
  },
  // 2026: 国务院办公厅关于2026年部分节假日安排的通知，2025年11月4日 (as published by Xinhua that day;
  // the document number was not in the text we checked, so it is not quoted).
  {
    year: 2026,
    notice: '国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）',
    periods: [
      { name: '元旦', from: '2026-01-01', to: '2026-01-03', days: 3, makeUpWorkdays: ['2026-01-04'] },
      {
        name: '春节',
        from: '2026-02-15',
        to: '2026-02-23',
        days: 9,
        makeUpWorkdays: ['2026-02-14', '2026-02-28'],
      },
      { name: '清明节', from: '2026-04-04', to: '2026-04-06', days: 3, makeUpWorkdays: [] },
      { name: '劳动节', from: '2026-05-01', to: '2026-05-05', days: 5, makeUpWorkdays: ['2026-05-09'] },
      { name: '端午节', from: '2026-06-19', to: '2026-06-21', days: 3, makeUpWorkdays: [] },
      { name: '中秋节', from: '2026-09-25', to: '2026-09-27', days: 3, makeUpWorkdays: [] },
      {
        name: '国庆节',
        from: '2026-10-01',
        to: '2026-10-07',
        days: 7,
        makeUpWorkdays: ['2026-09-20', '2026-10-10'],
      },
    ],
  },
];
