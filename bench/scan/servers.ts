/**
 * The scan benchmark's targets, in their own process so that they do not share an event loop with
 * the scanner: N copies of a lab server on loopback. Prints their URLs as one JSON line, then runs
 * until stdin closes. Usage: node dist/bench/scan/servers.js [count] [server-name]
 */
import { findLabServer, startLabCopies } from '../../src/lab/index.js';

const count = Number(process.argv[2] ?? 256);
const def = findLabServer(process.argv[3] ?? 'sdk-streamable');
if (!def || !Number.isInteger(count) || count < 1) {
  console.error('usage: servers.js [count] [server-name]');
  process.exit(2);
}
const lab = await startLabCopies(def, count);
process.stdout.write(`${JSON.stringify(lab.servers.map((s) => s.url))}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void lab.close().then(() => process.exit(0));
});
