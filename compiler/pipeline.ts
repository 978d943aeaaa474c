// The compiler as a declared pipeline: each phase is one module, listed here in order with what
// it needs from the phases before it. `dialplane check` runs these; `build` adds flatten + encode.
import { DiagnosticBag } from './diagnostics.js';
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
}

/**
 * load      — read every document (YAML, TypeScript in its sandbox); syntax and type errors.
 * validate  — each document against its JSON Schema. Needs: load.
 * resolve   — ids, references, money, addresses, time zones, decks and lists. Needs: validate,
 *             because it trusts the shapes the schemas guarantee.
 * semantics — checks across documents: ambiguous routes, shared IPs, coverage. Needs: resolve
 *             without errors, because they reason over complete references.
 */
export async function checkRepository(dir: string, options: CheckOptions = {}): Promise<CheckResult> {
  const bag = new DiagnosticBag(options.maxDiagnostics);
  const loaded = await loadRepository(dir, bag);
  const valid = loaded.documents.filter((doc) => validateDocument(doc, bag));
  if (bag.hasErrors) return { bag };
  const repo = await resolveRepository(loaded.root, valid, bag);
  if (!repo || bag.hasErrors) return { bag };
  checkRouteAmbiguity(repo, bag);
  checkSharedIps(repo, bag);
  checkRouteCoverage(repo, bag);
  if (bag.hasErrors) return { bag };
  return { bag, repo };
}
