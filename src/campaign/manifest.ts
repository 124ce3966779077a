/**
 * Reading a campaign manifest: JSONL (one request object per line) or CSV (a header of GenerateVideo
 * field names, one row per line). Rows are yielded with their line numbers so every problem can name
 * its line. Streams: a manifest of 100,000 rows is never held in memory at once.
 */
import { parse } from 'csv-parse';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { z } from 'zod';
import { GenerateVideoFields } from '../request';

export type ManifestFormat = 'csv' | 'jsonl';

export type RawRow = { line: number; fields: Record<string, unknown> } | { line: number; problem: string };

/** The format named, else the one the name's extension says; undefined when neither does. */
export function manifestFormat(uri: string, named?: ManifestFormat): ManifestFormat | undefined {
  if (named) return named;
  const path = uri.split('?')[0].toLowerCase();
  if (path.endsWith('.csv')) return 'csv';
  if (path.endsWith('.jsonl') || path.endsWith('.ndjson')) return 'jsonl';
  return undefined;
}

export function readManifest(stream: Readable, format: ManifestFormat): AsyncGenerator<RawRow> {
  return format === 'csv' ? csvRows(stream) : jsonlRows(stream);
}

async function* jsonlRows(stream: Readable): AsyncGenerator<RawRow> {
  let line = 0;
  for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) {
    line += 1;
    const trimmed = (line === 1 ? text.replace(/^\uFEFF/, '') : text).trim();
    if (!trimmed) continue;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      yield { line, problem: `line ${line}: not JSON (${(error as Error).message})` };
      continue;
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      yield { line, problem: `line ${line}: expected a JSON object` };
    } else yield { line, fields: value as Record<string, unknown> };
  }
}

async function* csvRows(stream: Readable): AsyncGenerator<RawRow> {
  const parser = stream.pipe(
    parse({ columns: true, info: true, bom: true, trim: true, skip_empty_lines: true, relax_column_count: false }),
  );
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number };
    }>) {
      const fields: Record<string, unknown> = {};
      for (const [column, cell] of Object.entries(record)) {
        if (cell !== '') fields[column] = cellValue(column, cell);
      }
      yield { line: info.lines, fields };
    }
  } catch (error) {
    // A malformed CSV (an unclosed quote, a row with the wrong number of cells) stops the reading.
    const { lines } = error as { lines?: number };
    yield { line: lines ?? 0, problem: `line ${lines ?? '?'}: ${(error as Error).message}` };
  }
}

/**
 * A CSV cell as the field's type in the GenerateVideo schema: numbers for number fields, `a|b` for
 * lists, JSON for maps; text otherwise. A cell that does not convert stays text, so the schema
 * reports it against its column.
 */
export function cellValue(column: string, cell: string): unknown {
  const field = (GenerateVideoFields.shape as Record<string, z.ZodType | undefined>)[column];
  switch (field && baseType(field)) {
    case 'number': {
      const n = Number(cell);
      return Number.isFinite(n) ? n : cell;
    }
    case 'array':
      return cell
        .split('|')
        .map((s) => s.trim())
        .filter(Boolean);
    case 'record':
      try {
        return JSON.parse(cell);
      } catch {
        return cell;
      }
    default:
      return cell;
  }
}

function baseType(schema: z.ZodType): string {
  let def = schema._zod.def as { type: string; innerType?: z.ZodType };
  while (def.innerType) def = def.innerType._zod.def as typeof def;
  return def.type;
}
