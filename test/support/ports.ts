// Loopback ports for servers a test must know the port of before they listen: an artefact server
// that is stopped ("the server is down") and started again on the same port, a Kamailio told its
// port in its config file.
//
// A port from bind(0) lies in the kernel's ephemeral range. Once it is released — to hand it to a
// child process, or to take the server down for a while — the kernel may give it to any outgoing
// connection or bind(0) on the machine (the other test files run in parallel, and CI machines are
// shared) before it is bound again: EADDRINUSE, one run in many. A port below the ephemeral range
// is never handed out implicitly; only a bind to that very number can take it. So: a random port
// below the range, checked free; a caller that still loses a race picks another.
//
// `dialplane serve` itself needs none of this: the tests give it port 0 and read the ports it
// bound from its "serving" log line (serve.ts).
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import net from 'node:net';

const HOST = '127.0.0.1';

/** The first port of the kernel's ephemeral range (Linux; the IANA range elsewhere). */
function ephemeralLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low !== undefined && Number.isInteger(low) && low > 0) return low;
  } catch { /* not Linux */ }
  return 49152;
}

function tcpFree(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const s = net.createServer();
    s.once('error', () => ok(false));
    s.listen({ port, host: HOST, exclusive: true }, () => s.close(() => ok(true)));
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => { s.close(); ok(false); });
    s.bind(port, HOST, () => s.close(() => ok(true)));
  });
}

/**
 * A loopback port that is free now (for TCP, UDP or both) and outside the ephemeral range, so that
 * nothing but an explicit bind takes it while it is not bound. Not reserved: bind it soon, and
 * retry with another port on EADDRINUSE.
 */
export async function unusedPort(kind: 'tcp' | 'udp' | 'both' = 'tcp'): Promise<number> {
  let top = ephemeralLow() - 1;
  let bottom = Math.max(10_000, top - 16_383);
  if (top - bottom < 1000) [bottom, top] = [20_000, 29_999]; // an odd ephemeral range: best effort
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = bottom + Math.floor(Math.random() * (top - bottom + 1));
    const free = (kind === 'udp' || (await tcpFree(port))) && (kind === 'tcp' || (await udpFree(port)));
    if (free) return port;
  }
  throw new Error('no free loopback port below the ephemeral range');
}
