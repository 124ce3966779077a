import type { Dialect } from '../contract';
import type { GatewayHttpOptions } from './http';
import { InferyGateway } from './infery';
import { InfraiGateway } from './infrai';
import type { VideoGateway } from './types';

export * from './types';
export { GatewayError } from './errors';
export { InferyGateway } from './infery';
export { InfraiGateway } from './infrai';

export function createGateway(dialect: Dialect, options: GatewayHttpOptions): VideoGateway {
  return dialect === 'infrai' ? new InfraiGateway(options) : new InferyGateway(options);
}
