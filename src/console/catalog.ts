/**
 * The catalog a check prices rows with: the gateway's live one (VIDEO_API_*), as the workers use,
 * over the built-in one; the built-in one alone when no gateway is configured or it does not answer.
 */
import { BUILTIN_CATALOG, mergeCatalog, type Catalog } from '../catalog';
import { createGateway } from '../gateway';

const FRESH_MS = 5 * 60_000;

export function catalogFromEnv(env: NodeJS.ProcessEnv = process.env): () => Promise<Catalog> {
  const baseUrl = env.VIDEO_API_BASE_URL?.trim();
  const apiKey = env.VIDEO_API_KEY?.trim();
  if (!baseUrl || !apiKey) return async () => BUILTIN_CATALOG;
  const dialect = env.VIDEO_API_DIALECT?.trim() === 'infrai' ? 'infrai' : 'infery';
  const gateway = createGateway(dialect, { baseUrl, apiKey });
  let kept: { at: number; catalog: Catalog } | undefined;
  return async () => {
    if (kept && Date.now() - kept.at < FRESH_MS) return kept.catalog;
    try {
      kept = { at: Date.now(), catalog: mergeCatalog(await gateway.listModels()) };
      return kept.catalog;
    } catch (error) {
      console.warn(
        `console: the gateway's catalog is not available (${(error as Error).message}); using the built-in one`,
      );
      return BUILTIN_CATALOG;
    }
  };
}
