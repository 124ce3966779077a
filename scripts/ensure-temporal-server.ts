/** Builds temporal-server and its schema tool once per machine (for `npm run test:cluster`). */
import { serverBinaries } from '../src/cluster';

const { server, sql } = serverBinaries((line) => console.error(line));
console.log(`${server}\n${sql}`);
