/** Find or build the Temporal CLI (see src/temporal-cli.ts) and print where it is. */
import { findTemporalCli } from '../src/temporal-cli';

findTemporalCli().then(
  (path) => console.log(path ?? 'no Temporal CLI: the SDK will download a dev server'),
  (error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
