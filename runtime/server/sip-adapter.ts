// The SIP front end's `decide`: an INVITE becomes a CallQuery, the engine's Decision becomes the
// SIP server's small Decision — 302 with one Contact per target in order (q-values by position,
// 1.0, 0.9, …), the sell rate and max duration as X-Dialplane-Sell / X-Dialplane-Max-Duration,
// or the rejection's code and reason. With no artefact active every INVITE gets 503.
//
// The SIP server reads the answer synchronously, writes the response and keeps nothing of it, so
// the query and the answer objects are reused from call to call, and the engine's targets (which
// have the `uri` a Contact needs and no `q`) are handed through as they are: per call, nothing is
// allocated here.
import type { SipRequest, SipSource } from '../sip/message.js';
import type { Decision as SipDecision } from '../sip/response.js';
import type { CallQuery } from '../engine/decision.js';
import type { ArtefactHolder } from './artefact-holder.js';
import type { Metrics } from './metrics.js';

const NOT_READY: SipDecision = { status: 503, reason: 'No Routing Data Loaded' };
const FAILED: SipDecision = { status: 500, reason: 'Server Internal Error' };

type Header = [string, string | number];

export function sipDecide(holder: ArtefactHolder, metrics: Metrics, onError: (e: unknown) => void): (req: SipRequest, src: SipSource) => SipDecision {
  const q: CallQuery = { src: '', srcPort: 0, to: '', from: '', callId: '', fromUri: '', toUri: '' };
  const sell: Header = ['X-Dialplane-Sell', ''];
  const maxDuration: Header = ['X-Dialplane-Max-Duration', 0];
  const both: Header[] = [sell, maxDuration];
  const sellOnly: Header[] = [sell];
  const maxOnly: Header[] = [maxDuration];
  const none: Header[] = [];
  const routed = { status: 302 as const, targets: [] as readonly { uri: string }[], headers: none };
  const rejected = { status: 0, reason: '' };
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
    if (d.status !== 302) {
      rejected.status = d.status;
      rejected.reason = d.reason;
      return rejected;
    }
    routed.targets = d.targets;
    if (d.sell !== undefined) sell[1] = d.sell;
    if (d.maxDuration !== undefined) maxDuration[1] = d.maxDuration;
    routed.headers = d.sell !== undefined ? (d.maxDuration !== undefined ? both : sellOnly) : d.maxDuration !== undefined ? maxOnly : none;
    return routed;
  };
}
