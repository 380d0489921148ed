/**
 * The Ragline server from its TypeScript sources, for when packages/server/dist is missing or older than
 * the sources: what `ragline serve` does (startNodeServer with this process's environment), run by the
 * gateway benchmark as `node --import tsx --conditions=@ragline/source bench/gateway/ragline-source-server.ts`.
 */
import { startNodeServer } from '../../packages/server/src/runtime/node.js';

const server = await startNodeServer({ env: process.env });
process.stdout.write(`Ragline listening on ${server.url}\n`);
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
