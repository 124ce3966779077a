/**
 * The operations commands: find, inspect and steer videos on any Temporal (TEMPORAL_* / profiles), look
 * at the gateway itself (VIDEO_API_*), set a namespace up. Each prints for a person by default and JSON
 * with --json; an error is one line on stderr and a non-zero exit.
 */
import type { Command } from 'commander';
import { registerSearchAttributes } from '../operations/search-attributes';
import { addGatewayCommands } from './gateway';
import { withClient } from './output';
import { addVideoCommands } from './videos';

export { withClient } from './output';
export { listQuery } from './videos';

export function addOperationCommands(program: Command): void {
  addVideoCommands(program);
  addGatewayCommands(program);
  program
    .command('setup')
    .description('one-time setup of a Temporal namespace')
    .command('search-attributes')
    .description('register the video search attributes (idempotent)')
    .action(() =>
      withClient(async (videos) => {
        const added = await registerSearchAttributes(videos.client.connection, videos.client.options.namespace);
        console.log(
          added.length ? `registered ${added.join(', ')}` : 'all video search attributes were already registered',
        );
      }),
    );
}
