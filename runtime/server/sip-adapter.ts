// The SIP front end's `decide`: an INVITE becomes a CallQuery, the engine's Decision becomes the
// SIP server's small Decision — 302 with one Contact per target in order (q-values by position,
// 1.0, 0.9, …), the sell rate and max duration as X-Dialplane-Sell / X-Dialplane-Max-Duration,
// or the rejection's code and reason. With no artefact active every INVITE gets 503.
import type { SipRequest, SipSource } from '../sip/message.js';
import type { Decision as SipDecision, RedirectTarget } from '../sip/response.js';
import type { CallQuery } from '../engine/decision.js';
import type { ArtefactHolder } from './artefact-holder.js';
import type { Metrics } from './metrics.js';

const NOT_READY: SipDecision = { status: 503, reason: 'No Routing Data Loaded' };
const FAILED: SipDecision = { status: 500, reason: 'Server Internal Error' };

export function sipDecide(holder: ArtefactHolder, metrics: Metrics, onError: (e: unknown) => void): (req: SipRequest, src: SipSource) => SipDecision {
  // One query object reused per INVITE (the engine reads it synchronously and keeps nothing).
  const q: CallQuery = { src: '', srcPort: 0, to: '', from: '', callId: '', fromUri: '', toUri: '' };
  return (req, src) => {
    const active = holder.active;
    if (!active) return NOT_READY;
    q.src = src.address;
    q.srcPort = src.port;
    q.to = req.ruriUser;
    q.from = req.paiUser !== '' ? req.paiUser : req.fromUser;
    q.callId = req.callId;
    q.fromUri = req.fromUri;
    q.toUri = req.toUri;
    const t0 = performance.now();
    let d;
    try {
      d = active.decider.decide(q);
    } catch (e) {
      onError(e);
      return FAILED;
    }
    metrics.decision('sip', d.status, (performance.now() - t0) / 1000);
    if (d.status !== 302) return { status: d.status, reason: d.reason };
    const n = d.targets.length;
    const targets: RedirectTarget[] = new Array(n);
    for (let i = 0; i < n; i++) targets[i] = { uri: d.targets[i]!.uri };
    const headers: [string, string | number][] = [];
    if (d.sell !== undefined) headers.push(['X-Dialplane-Sell', d.sell]);
    if (d.maxDuration !== undefined) headers.push(['X-Dialplane-Max-Duration', d.maxDuration]);
    return { status: 302, targets, headers };
  };
}
