// The compiler as a declared pipeline: each phase is one module, listed here in order with what
// it needs from the phases before it. `dialplane check` runs these; `build` adds flatten + encode.
import { DEFAULT_MAX_DIAGNOSTICS, DiagnosticBag } from './diagnostics.js';
import { readDecksAhead } from './load/deck-pool.js';
import { loadRepository } from './load/repo.js';
import { resolveRepository } from './resolve.js';
import type { RouteRepository } from './model/model.js';
import { validateDocument } from './validate/schema.js';
import { checkRouteAmbiguity, checkSharedIps } from './validate/ambiguity.js';
import { checkRouteCoverage } from './validate/coverage.js';

export interface CheckResult {
  bag: DiagnosticBag;
  /** The resolved model; present only when no phase reported an error. */
  repo?: RouteRepository;
}

export interface CheckOptions {
  maxDiagnostics?: number;
  /**
   * Whether CSV decks are read on worker threads: 'auto' (the default) when they are large enough
   * to be worth the threads' start-up; 'always' for any CSV deck (tests); 'never'.
   */
  deckThreads?: 'auto' | 'always' | 'never';
}

/**
 * load      — read every document (YAML, TypeScript in its sandbox); syntax and type errors.
 * validate  — each document against its JSON Schema. Needs: load.
 * resolve   — ids, references, money, addresses, time zones, decks and lists. Needs: validate,
 *             because it trusts the shapes the schemas guarantee. Large CSV decks are read ahead
 *             on worker threads (load/deck-pool.ts) from the end of load on; the resolver takes
 *             them in its own order, so that what it reports is as if it had read them itself.
 * semantics — checks across documents: ambiguous routes, shared IPs, coverage. Needs: resolve
 *             without errors, because they reason over complete references.
 */
export async function checkRepository(dir: string, options: CheckOptions = {}): Promise<CheckResult> {
  const bag = new DiagnosticBag(options.maxDiagnostics);
  const loaded = await loadRepository(dir, bag);
  // Large CSV decks are read on worker threads from here on, while the documents are validated
  // and resolved; the resolver takes each deck when it gets to it.
  const threads = options.deckThreads ?? 'auto';
  const decks = threads === 'never' || bag.hasErrors ? undefined
    : readDecksAhead(loaded.root, loaded.documents, bag, options.maxDiagnostics ?? DEFAULT_MAX_DIAGNOSTICS, threads === 'always');
  let repo: RouteRepository | undefined;
  try {
    const valid = loaded.documents.filter((doc) => validateDocument(doc, bag));
    if (bag.hasErrors) return { bag };
    repo = await resolveRepository(loaded.root, valid, bag);
  } finally {
    await decks?.close();
  }
  if (!repo || bag.hasErrors) return { bag };
  checkRouteAmbiguity(repo, bag);
  checkSharedIps(repo, bag);
  checkRouteCoverage(repo, bag);
  if (bag.hasErrors) return { bag };
  return { bag, repo };
}
