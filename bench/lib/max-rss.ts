/**
 * Preloaded with `node --import` into a benchmarked process: on exit, prints the peak resident set
 * size as `max-rss-kib=N` on stderr, so a harness can read it without platform-specific tools.
 */
process.on('exit', () => {
  process.stderr.write(`\nmax-rss-kib=${process.resourceUsage().maxRSS}\n`);
});
