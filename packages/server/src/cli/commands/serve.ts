import type { Command } from 'commander';
import type { CliIo, StartServer } from '../io.js';
import { parsePort } from '../parse-options.js';

interface ServeOptions {
  port?: number;
  host?: string;
  dataDir?: string;
}

export function registerServe(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('run the Ragline server on this machine (libSQL + LanceDB under the data dir)')
    .option('-p, --port <port>', 'port to listen on (default: $PORT or 8787)', parsePort)
    .option('--host <host>', 'interface to bind (default: $HOST or 127.0.0.1)')
    .option('--data-dir <dir>', 'where state lives (default: $RAGLINE_DATA_DIR or .ragline)')
    .addHelpText(
      'after',
      '\nOn the first start without RAGLINE_ADMIN_KEY an admin key is generated and written to <data-dir>/admin.key.',
    )
    .action(async (options: ServeOptions) => {
      const start = io.startServer ?? (await loadStartNodeServer());
      const server = await start({
        port: options.port,
        host: options.host,
        dataDir: options.dataDir,
        env: io.env,
      });
      io.stdout.write(`Ragline listening on ${server.url}\n`);
      if (server.generatedAdminKeyFile) {
        io.stdout.write(
          `Admin key: ${server.generatedAdminKeyFile} (export RAGLINE_API_KEY=$(cat ${server.generatedAdminKeyFile}))\n`,
        );
      }
      await io.waitForShutdown();
      io.stderr.write('Shutting down...\n');
      await server.close();
    });
}

/** Loaded lazily so that client commands never load the storage engines. */
async function loadStartNodeServer(): Promise<StartServer> {
  const { startNodeServer } = await import('../../runtime/node.js');
  return startNodeServer;
}
