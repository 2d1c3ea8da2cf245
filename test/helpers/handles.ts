/** Sockets, servers and timers this process holds (the kinds a leaky server or client leaves behind). */
export function liveHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo())
    if (r === 'TCPServerWrap' || r === 'TCPSocketWrap' || r === 'Timeout') counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

/**
 * Waits (up to 5 s) for the process to hold no more sockets, servers and timers than `baseline`.
 * Closing is asynchronous on the far side of a socket, so this polls rather than checking once.
 */
export async function handlesAfterSettling(
  baseline: Record<string, number>,
): Promise<Record<string, number>> {
  const deadline = Date.now() + 5_000;
  while (true) {
    const now = liveHandles();
    const extra = Object.entries(now).filter(([k, n]) => n > (baseline[k] ?? 0));
    if (extra.length === 0 || Date.now() > deadline) return Object.fromEntries(extra);
    await new Promise((r) => setTimeout(r, 20));
  }
}
