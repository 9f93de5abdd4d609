// Traffic simulator CLI: `npm run simulate -- --help`. Logic lives in src/sim/cli.ts.
import { runCli } from '../src/sim/index.js';

const ac = new AbortController();
process.once('SIGINT', () => {
  process.stderr.write('simulate: interrupted, finishing in-flight requests (Ctrl-C again to quit)\n');
  ac.abort();
  process.once('SIGINT', () => process.exit(130));
});
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

try {
  process.exitCode = await runCli(
    process.argv.slice(2),
    { stdout: process.stdout, stderr: process.stderr },
    ac.signal,
  );
} catch (e) {
  process.stderr.write(`simulate: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
}
