// What one side of a diff names, turned into an artefact:
//   out/routing.dpa, a .dpa file        → read and verified as a runtime node would;
//   out/ (a build directory)            → its routing.dpa;
//   routes/ (a route repository)        → checked, flattened and encoded in memory;
//   main, HEAD~1, a1b2c3 (a git ref)    → the repository's routes directory at that commit,
//                                         extracted with `git archive`, then as a directory.
// Both sides are built with the same `asOf`, so dated deck rows do not show up as changes.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ArtefactError, decodeArtefact, type Artefact } from '../../runtime/artefact/decode.js';
import type { DiagnosticBag } from '../diagnostics.js';
import { encodeArtefact } from '../encode/encode.js';
import { flatten } from '../flatten/flatten.js';
import { checkRepository } from '../pipeline.js';
import type { SideInfo } from './diff.js';

export type Side =
  | { ok: true; artefact: Artefact; info: SideInfo }
  | { ok: false; message: string; bag?: DiagnosticBag; root?: string };

export interface SideOptions {
  /** The routes directory inside the git repository, as given on the command line (relative to cwd). */
  routes: string;
  asOf: number;
  /** Where git runs (default: the working directory). */
  cwd?: string;
}

/** Resolves `spec`; temp directories it makes are removed before it returns. */
export async function loadSide(spec: string, options: SideOptions): Promise<Side> {
  const cwd = options.cwd ?? process.cwd();
  const full = path.resolve(cwd, spec);
  if (existsSync(full)) {
    const st = statSync(full);
    if (st.isFile()) return readArtefact(full, { label: spec, kind: 'artefact' });
    const built = path.join(full, 'routing.dpa');
    if (existsSync(built) && !existsSync(path.join(full, 'network.yaml'))) return readArtefact(built, { label: spec, kind: 'artefact' });
    return buildDirectory(full, { label: spec, kind: 'directory' }, options.asOf);
  }
  const commit = git(cwd, ['rev-parse', '--verify', '--quiet', `${spec}^{commit}`]);
  if (!commit) return { ok: false, message: `"${spec}" is not a file, a directory or a git ref` };
  // The routes path relative to the top of the repository, whatever directory we run in.
  const inRepo = git(cwd, ['rev-parse', '--show-prefix']) ?? '';
  const routes = path.posix.normalize(path.posix.join(inRepo, options.routes.split(path.sep).join('/'))).replace(/\/$/, '') || '.';
  const top = git(cwd, ['rev-parse', '--show-toplevel']);
  if (!top) return { ok: false, message: `cannot find the git repository of ${cwd}` };
  const tmp = mkdtempSync(path.join(tmpdir(), 'dialplane-diff-'));
  try {
    const archive = spawnSync('git', ['-C', top, 'archive', '--format=tar', commit, '--', routes], { maxBuffer: 1 << 30 });
    if (archive.status !== 0) {
      return { ok: false, message: `${spec} (${commit.slice(0, 12)}) has no ${routes}/: ${archive.stderr.toString().trim()}` };
    }
    const untar = spawnSync('tar', ['-x', '-C', tmp], { input: archive.stdout, maxBuffer: 1 << 20 });
    if (untar.status !== 0) return { ok: false, message: `cannot extract ${spec}: ${untar.stderr.toString().trim()}` };
    const side = await buildDirectory(path.join(tmp, routes), { label: spec, kind: 'git', commit }, options.asOf, commit);
    if (!side.ok && side.root) side.root = path.join(top, routes);
    return side;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function git(cwd: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', ['-C', cwd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function readArtefact(file: string, info: Pick<SideInfo, 'label' | 'kind'>): Side {
  try {
    const a = decodeArtefact(readFileSync(file));
    return { ok: true, artefact: a, info: { ...info, serial: a.serial, revision: a.revision } };
  } catch (err) {
    if (err instanceof ArtefactError) return { ok: false, message: `${info.label} is not a usable artefact (${err.code}): ${err.message}` };
    return { ok: false, message: `cannot read ${info.label}: ${(err as Error).message}` };
  }
}

async function buildDirectory(dir: string, info: Pick<SideInfo, 'label' | 'kind' | 'commit'>, asOf: number, revision = ''): Promise<Side> {
  const { bag, repo } = await checkRepository(dir);
  if (!repo) return { ok: false, message: `${info.label} does not check`, bag, root: dir };
  try {
    const { bytes } = encodeArtefact(flatten(repo, { asOf }), { serial: 0, revision });
    // Just encoded in this process: the hash cannot differ.
    const a = decodeArtefact(bytes, { verifyHash: false });
    return { ok: true, artefact: a, info: { ...info, serial: 0, revision } };
  } catch (err) {
    return { ok: false, message: `${info.label} does not build: ${(err as Error).message}` };
  }
}
