/**
 * Reading a campaign manifest: JSONL (one request object per line) or CSV (a header of GenerateVideo
 * field names, one row per line). Rows are yielded with their line numbers so every problem can name
 * its line. Streams, in bounded memory: a manifest of 100,000 rows is never held at once, and no
 * line or record may pass ManifestLimits.
 */
import { parse } from 'csv-parse';
import { Transform, type Readable } from 'node:stream';
import type { z } from 'zod';
import { GenerateVideoFields } from '../request';

export type ManifestFormat = 'csv' | 'jsonl';

export type RawRow = { line: number; fields: Record<string, unknown> } | { line: number; problem: string };

/**
 * Caps on what one manifest line (JSONL) or record (CSV) may hold before it is parsed, so a manifest
 * of any size or shape is read in bounded memory: an unclosed quote or a line without end stops the
 * reading with a problem instead of filling the worker. Generous next to MAX_ROW_BYTES (a row's
 * request as JSON): CSV quoting and JSON escapes take room.
 */
export interface ManifestLimits {
  /** Bytes of one JSONL line, or characters of one CSV record. */
  maxRecordBytes: number;
}
export const DEFAULT_MANIFEST_LIMITS: ManifestLimits = { maxRecordBytes: 1024 * 1024 };

/** The format named, else the one the name's extension says; undefined when neither does. */
export function manifestFormat(uri: string, named?: ManifestFormat): ManifestFormat | undefined {
  if (named) return named;
  const path = uri.split('?')[0].toLowerCase();
  if (path.endsWith('.csv')) return 'csv';
  if (path.endsWith('.jsonl') || path.endsWith('.ndjson')) return 'jsonl';
  return undefined;
}

/**
 * The rows of a manifest, each with the line it ends on, or a problem naming its line. The text must
 * be UTF-8: bytes that are not (Latin-1 from a spreadsheet, say) are a problem, never U+FFFD.
 */
export function readManifest(
  stream: Readable,
  format: ManifestFormat,
  limits: ManifestLimits = DEFAULT_MANIFEST_LIMITS,
): AsyncGenerator<RawRow> {
  return format === 'csv' ? csvRows(stream, limits) : jsonlRows(stream, limits);
}

const strictUtf8 = () => new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Lines of bytes, each at most `max` bytes; a longer one is reported by its number and ends the reading. */
async function* byteLines(stream: Readable, max: number): AsyncGenerator<{ line: number; bytes?: Buffer }> {
  let line = 0;
  let partial: Buffer[] = [];
  let partialBytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
      partial.push(chunk.subarray(start, nl));
      partialBytes += nl - start;
      line += 1;
      yield partialBytes > max ? { line } : { line, bytes: Buffer.concat(partial) };
      if (partialBytes > max) return;
      partial = [];
      partialBytes = 0;
      start = nl + 1;
    }
    partial.push(chunk.subarray(start));
    partialBytes += chunk.length - start;
    if (partialBytes > max) return yield { line: line + 1 };
  }
  if (partialBytes) yield { line: line + 1, bytes: Buffer.concat(partial) };
}

async function* jsonlRows(stream: Readable, limits: ManifestLimits): AsyncGenerator<RawRow> {
  for await (const { line, bytes } of byteLines(stream, limits.maxRecordBytes)) {
    if (!bytes) {
      yield { line, problem: `line ${line}: longer than ${limits.maxRecordBytes} bytes; reading stopped` };
      return;
    }
    let text: string;
    try {
      text = strictUtf8().decode(bytes);
    } catch {
      yield { line, problem: `line ${line}: not UTF-8 text` };
      continue;
    }
    const trimmed = text.trim();
    if (!trimmed) continue;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      yield { line, problem: `line ${line}: not JSON (${(error as Error).message.slice(0, 200)})` };
      continue;
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      yield { line, problem: `line ${line}: expected a JSON object` };
    } else yield { line, fields: value as Record<string, unknown> };
  }
}

/**
 * Passes the bytes on unchanged after checking they are UTF-8, and counts the newlines it passed, so
 * a record's line comes from its byte offset: csv-parse's own count takes a CRLF inside a quoted
 * cell for two lines.
 */
class CheckedBytes {
  private readonly decoder = strictUtf8();
  private newlines: number[] = [];
  private counted = 0;
  private seen = 0;

  readonly transform = new Transform({
    transform: (chunk: Buffer, _encoding, done) => {
      try {
        this.decoder.decode(chunk, { stream: true });
      } catch {
        return done(new Error('not UTF-8 text'));
      }
      for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, nl + 1)) this.newlines.push(this.seen + nl);
      this.seen += chunk.length;
      done(null, chunk);
    },
    flush: (done) => {
      try {
        this.decoder.decode();
        done();
      } catch {
        done(new Error('not UTF-8 text (the last character is cut off)'));
      }
    },
  });

  /** The line (from 1) a record ends on, given the offset just past it (its line ending included). */
  lineEndingAt(end: number): number {
    let passed = 0;
    while (passed < this.newlines.length && this.newlines[passed] < end - 1) passed += 1;
    this.counted += passed;
    this.newlines = this.newlines.slice(passed);
    return this.counted + 1;
  }
}

/**
 * CSV headers name GenerateVideo fields once each: a second column of the same name is refused, and so
 * is `__proto__`, which the parser's records cannot hold (its cells would vanish instead of being refused).
 */
function uniqueColumns(header: string[]): string[] {
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) throw new Error(`the header names the column "${name.slice(0, 100)}" twice`);
    if (name === '__proto__')
      throw new Error('the header names a column "__proto__", which is not a GenerateVideo field');
    seen.add(name);
  }
  return header;
}

async function* csvRows(stream: Readable, limits: ManifestLimits): AsyncGenerator<RawRow> {
  const bytes = new CheckedBytes();
  const parser = stream.pipe(bytes.transform).pipe(
    parse({
      columns: uniqueColumns,
      info: true,
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: false,
      max_record_size: limits.maxRecordBytes,
    }),
  );
  stream.on('error', (error) => bytes.transform.destroy(error));
  bytes.transform.on('error', (error) => parser.destroy(error));
  let line = 1;
  try {
    for await (const { record, info } of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { bytes: number };
    }>) {
      line = bytes.lineEndingAt(info.bytes);
      // Own properties whatever a column is called (`__proto__` is a column like any other, refused by the schema).
      const fields: Record<string, unknown> = Object.fromEntries(
        Object.entries(record)
          .filter(([, cell]) => cell !== '')
          .map(([column, cell]) => [column, cellValue(column, cell)]),
      );
      yield { line, fields };
    }
  } catch (error) {
    // A malformed CSV (an unclosed quote, a row with the wrong number of cells, a record over the cap,
    // bytes that are not UTF-8, a header naming a column twice) stops the reading. Past the first record
    // the problem is on the line after the last good one (the parser's own count drifts, see above).
    const { lines } = error as { lines?: number };
    const at = line > 1 ? line + 1 : (lines ?? 1);
    yield { line: at, problem: `line ${at}: ${(error as Error).message.slice(0, 300)}` };
  }
}

/**
 * A CSV cell as the field's type in the GenerateVideo schema: numbers for number fields, `a|b` for
 * lists, JSON for maps; text otherwise. A cell that does not convert stays text, so the schema
 * reports it against its column.
 */
export function cellValue(column: string, cell: string): unknown {
  const shape = GenerateVideoFields.shape as Record<string, z.ZodType | undefined>;
  const field = Object.hasOwn(shape, column) ? shape[column] : undefined;
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
