/** Campaign helpers shared by the tests and the campaign benchmark: manifests, runs, results. */
import type { Client } from '@temporalio/client';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'csv-stringify/sync';
import type { CampaignResultRow } from '../../src/campaign/results';
import type { GatewaySimulator } from '../../src/simulator/server';

/** `n` inline rows `<prefix>-1`... whose prompts start with `<prefix> `, so their jobs can be told apart. */
export const promptRows = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i + 1}`, prompt: `${prefix} video ${i + 1}` }));

/** The simulator's jobs for rows made by `promptRows(..., prefix)`. */
export const jobsWithPrompt = (simulator: GatewaySimulator, prefix: string) =>
  [...simulator.jobs.values()].filter((j) => j.prompt.startsWith(`${prefix} `));

/** A CSV manifest at `path` with a header of the columns the rows use. */
export function writeCsv(path: string, rows: Record<string, unknown>[]): string {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, stringify([columns, ...rows.map((r) => columns.map((c) => r[c] ?? ''))]));
  return path;
}

/** Rows of a store file (results.jsonl) named by its file:// URI. */
export function readJsonl<T = CampaignResultRow>(uri: string): T[] {
  return readFileSync(fileURLToPath(uri), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);
}

/** Bytes of every payload in a value (a history event), found wherever they sit. */
function payloadBytes(value: unknown): number[] {
  if (!value || typeof value !== 'object') return [];
  if (value instanceof Uint8Array) return [];
  const record = value as Record<string, unknown>;
  if (record.data instanceof Uint8Array && 'metadata' in record) return [record.data.length];
  return Object.values(record).flatMap(payloadBytes);
}

export interface RunFigures {
  runs: number;
  /** The most events in any one run. */
  maxEvents: number;
  /** The largest single payload in any run's history. */
  maxPayloadBytes: number;
}

/** History figures across every run of a workflow id (continue-as-new chains). */
export async function runFigures(client: Client, workflowId: string): Promise<RunFigures> {
  const figures: RunFigures = { runs: 0, maxEvents: 0, maxPayloadBytes: 0 };
  // From the latest run back along continue-as-new: each run's first event names the one before.
  let runId: string | undefined;
  do {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    figures.runs += 1;
    figures.maxEvents = Math.max(figures.maxEvents, events.length);
    for (const event of events) figures.maxPayloadBytes = Math.max(figures.maxPayloadBytes, ...payloadBytes(event));
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  } while (runId);
  return figures;
}
