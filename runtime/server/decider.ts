// What the serving front ends (SIP, HTTP, WebSocket) need from a decision engine: one object per
// decoded artefact, built once when the artefact is loaded (never per call), then only asked.
//
// The real engine (runtime/engine) fits this shape; `lookupDecider` is a small, complete stand-in
// derived from the artefact through runtime/artefact/lookup.ts, used until the engine is wired in
// and by tests that want an answer independent of the engine.
import type { Artefact } from '../artefact/decode.js';
import type { CallQuery, Decision } from '../engine/decision.js';

export interface Decider {
  decide(query: CallQuery): Decision;
  /** Serial of the artefact this decider was built from. */
  readonly serial: number;
  /** Disables / enables a gateway like carrierroute's cr_deactivate_host; false when unknown. */
  setGatewayEnabled(carrier: string, gateway: string, enabled: boolean): boolean;
}

/** Builds the decider of one artefact; may be slow (it runs off the hot path, before the swap). */
export type DeciderFactory = (artefact: Artefact) => Decider;
