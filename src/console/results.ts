/**
 * A campaign's results as the console pages through them: the results parts the campaign writes as
 * rows finish (campaigns/<id>/results/parts/), read once each and kept (a part is written whole and
 * a retried write has the same content), so a gallery page of a 100,000-row campaign reads only the
 * parts written since the last look and sends the browser one page of tiles.
 */
import { createInterface } from 'node:readline';
import { campaignKey, ROW_STATUSES, type CampaignResultRow, type RowStatus } from '../campaign/results';
import type { VideoStore } from '../store/types';

/** Campaigns whose parts are kept in memory at once; the least recently viewed is dropped first. */
const CAMPAIGNS_KEPT = 20;

export interface GalleryFilter {
  status?: RowStatus;
  model?: string;
  /** From 1. */
  page: number;
  pageSize: number;
}

export interface GalleryPage {
  /** Rows with a result (latest attempt each) and how many match the filter. */
  rows: number;
  matched: number;
  page: number;
  pages: number;
  tiles: CampaignResultRow[];
  /** Outcomes by model over every row, for the chart. */
  byModel: [string, Partial<Record<RowStatus, number>>][];
  models: string[];
}

export class CampaignResults {
  private readonly parts = new Map<string, Map<string, CampaignResultRow[]>>();

  constructor(private readonly store: VideoStore) {}

  /** Every record written so far, part by part, in the order they were written. */
  async records(campaignId: string): Promise<CampaignResultRow[][]> {
    const keys = await this.store.list(campaignKey(campaignId, 'results/parts/'));
    const known = this.parts.get(campaignId) ?? new Map<string, CampaignResultRow[]>();
    this.parts.delete(campaignId); // re-inserted last: the most recently viewed
    this.parts.set(campaignId, known);
    while (this.parts.size > CAMPAIGNS_KEPT) this.parts.delete(this.parts.keys().next().value!);
    const all: CampaignResultRow[][] = [];
    for (const key of keys) {
      let records = known.get(key);
      if (!records) {
        records = [];
        for await (const line of createInterface({ input: await this.store.open(key), crlfDelay: Infinity })) {
          if (line.trim()) records.push(JSON.parse(line) as CampaignResultRow);
        }
        known.set(key, records);
      }
      all.push(records);
    }
    return all;
  }

  /** Each row's latest attempt, in manifest order. */
  async latest(campaignId: string): Promise<CampaignResultRow[]> {
    const latest = new Map<number, CampaignResultRow>();
    for (const part of await this.records(campaignId)) {
      for (const record of part) {
        const seen = latest.get(record.i);
        if (!seen || record.attempt >= seen.attempt) latest.set(record.i, record);
      }
    }
    return [...latest.values()].sort((a, b) => a.i - b.i);
  }

  async row(campaignId: string, i: number): Promise<CampaignResultRow | undefined> {
    return (await this.latest(campaignId)).find((r) => r.i === i);
  }

  async page(campaignId: string, filter: GalleryFilter): Promise<GalleryPage> {
    const rows = await this.latest(campaignId);
    const byModel = new Map<string, Partial<Record<RowStatus, number>>>();
    for (const row of rows) {
      const model = row.model ?? '(not started)';
      const counts = byModel.get(model) ?? {};
      counts[row.status] = (counts[row.status] ?? 0) + 1;
      byModel.set(model, counts);
    }
    const matching = rows.filter(
      (r) => (!filter.status || r.status === filter.status) && (!filter.model || r.model === filter.model),
    );
    const pages = Math.max(1, Math.ceil(matching.length / filter.pageSize));
    const page = Math.min(Math.max(1, filter.page), pages);
    return {
      rows: rows.length,
      matched: matching.length,
      page,
      pages,
      tiles: matching.slice((page - 1) * filter.pageSize, page * filter.pageSize),
      byModel: [...byModel.entries()].sort(([a], [b]) => a.localeCompare(b)),
      models: [...byModel.keys()].filter((m) => m !== '(not started)').sort(),
    };
  }
}

export const isRowStatus = (value: unknown): value is RowStatus => ROW_STATUSES.includes(value as RowStatus);
