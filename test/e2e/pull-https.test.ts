// `dialplane serve --pull` over HTTPS: a node pulls a signed artefact from an HTTPS server whose
// certificate (made here by openssl, for 127.0.0.1) it trusts through NODE_EXTRA_CA_CERTS, and
// serves it; a node that does not trust the certificate downloads nothing, says why in its log,
// and never becomes ready — TLS verification is on, the signature is not the only guard.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPublicKey } from '../../runtime/artefact/signature.js';
import { generateSecretKey } from '../../compiler/sign/secret-key.js';
import { ArtefactServer, sign } from '../support/artefact-server.js';
import { BIN, ROOT, buildDemo, servingPorts } from '../support/serve.js';
import { until } from '../support/until.js';

interface Node { proc: ChildProcess; log: () => string; exited: Promise<number | null>; base?: string }

/** Start-up and the first pull take seconds on a loaded machine: waits end well above that. */
const WAIT_MS = 60_000;

describe('serve --pull over HTTPS', () => {
  let dir = '';
  let server: ArtefactServer;
  let pub = '';
  let certFile = '';
  const nodes: Node[] = [];

  function startNode(tag: string, env: Record<string, string>): Node {
    const { NODE_EXTRA_CA_CERTS: _, ...base } = process.env;
    // Each node its own URL (?node=<tag>, ignored by the server): the request log tells them apart.
    const proc = spawn(process.execPath, [BIN, 'serve', '--pull', `${server.url}?node=${tag}`, '--trust', pub, '--state-dir', join(dir, `state-${tag}`),
      '--http', '127.0.0.1:0', '--sip', 'off', '--admin', 'off', '--poll', '200ms'],
    { cwd: ROOT, env: { ...base, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    proc.stderr!.on('data', (c: Buffer) => { log += c.toString(); });
    const node: Node = { proc, log: () => log, exited: new Promise((ok) => proc.on('close', (code) => ok(code))) };
    nodes.push(node);
    return node;
  }

  async function listening(n: Node): Promise<string> {
    const port = await until('the node listening', async () => {
      if (n.proc.exitCode !== null) throw new Error(`node exited ${n.proc.exitCode}: ${n.log()}`);
      return servingPorts(n.log())?.http;
    }, (p) => p !== undefined, WAIT_MS);
    return (n.base = `http://127.0.0.1:${port}`);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dialplane-pull-https-'));
    // A self-signed certificate for the address the node connects to.
    const openssl = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt'), '-days', '2', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8' });
    if (openssl.status !== 0) throw new Error(`openssl could not make a certificate: ${openssl.error ?? openssl.stderr}`);
    certFile = join(dir, 'tls.crt');
    server = new ArtefactServer({ key: readFileSync(join(dir, 'tls.key'), 'utf8'), cert: readFileSync(certFile, 'utf8') });
    const key = generateSecretKey('pull-https test');
    mkdirSync(join(dir, 'keys'));
    pub = join(dir, 'keys', 'dialplane.pub');
    writeFileSync(pub, formatPublicKey(key, 'pull-https test'));
    const bytes = new Uint8Array(readFileSync(buildDemo(join(dir, 'build'), 4242)));
    await server.start();
    server.publish(bytes, sign(bytes, key));
  }, 120_000);

  afterAll(async () => {
    for (const n of nodes) {
      if (n.proc.exitCode === null) n.proc.kill('SIGTERM');
      const t = setTimeout(() => n.proc.kill('SIGKILL'), 5000);
      await n.exited;
      clearTimeout(t);
    }
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('pulls, verifies and serves the artefact from a server whose certificate it trusts', async () => {
    const node = startNode('trusting', { NODE_EXTRA_CA_CERTS: certFile });
    const base = await listening(node);
    const serial = await until('the pulled artefact', async () => {
      try {
        return ((await (await fetch(`${base}/v1/artefact`)).json()) as { serial?: number }).serial ?? null;
      } catch {
        return null;
      }
    }, (s) => s === 4242, WAIT_MS);
    expect(serial).toBe(4242);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect(server.requests.filter((r) => r.query === 'node=trusting' && r.path === '/routing.dpa').length).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('downloads nothing from a server whose certificate it does not trust, and is not ready', async () => {
    const node = startNode('wary', {});
    const base = await listening(node);
    await until('the refusal in the log', async () => node.log(), (log) => /certificate/i.test(log), WAIT_MS);
    expect((await fetch(`${base}/readyz`)).status).not.toBe(200);
    expect(node.log()).toMatch(/pull failed; the last good artefact keeps serving/);
    // The handshake failed: not one HTTP request of this node reached the server.
    expect(server.requests.filter((r) => r.query === 'node=wary')).toEqual([]);
  }, 120_000);
});
