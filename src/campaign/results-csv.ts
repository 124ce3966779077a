/**
 * results.csv, written by csv-stringify rather than by hand: quoting, embedded newlines, and cells
 * that a spreadsheet would run as formulas (a prompt or a gateway message starting with = + - @, a
 * tab or a carriage return) are prefixed with a quote (`escape_formulas`), so they show as text.
 */
import { stringify } from 'csv-stringify/sync';
import { RESULT_COLUMNS, type CampaignResultRow } from './results';

const OPTIONS = { escape_formulas: true, record_delimiter: 'unix', eof: false } as const;

/** One CSV line (no line ending) of these cells: absent values are empty cells. */
export function csvLine(values: readonly unknown[]): string {
  return stringify([values.map((value) => value ?? '')], OPTIONS);
}

export const csvHeader = () => csvLine(RESULT_COLUMNS);

export const csvRecord = (record: CampaignResultRow) => csvLine(RESULT_COLUMNS.map((column) => record[column]));
