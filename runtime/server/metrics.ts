// Prometheus text exposition (format 0.0.4) of what the serving side counts. Counting is a few
// integer increments per decision: outcome by status code in a small array, latency in fixed
// buckets found by a linear scan over 12 bounds. Text is built only when /metrics is scraped.

/** Latency bucket bounds, seconds. */
const BOUNDS = [0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05];

export type Channel = 'http' | 'ws' | 'sip';
const CHANNELS: readonly Channel[] = ['http', 'ws', 'sip'];

export class Metrics {
  /** decisions[channel][status] for status 100 … 699. */
  private readonly decisions = CHANNELS.map(() => new Float64Array(700));
  private readonly buckets = new Float64Array(BOUNDS.length + 1);
  private latencySum = 0;
  private latencyCount = 0;
  swaps = 0;
  refusals = 0;
  badRequests = 0;
  serial = -1;
  loadedAtMs = 0;
  /** Extra gauges/counters supplied by other parts (SIP stats …), read at scrape time. */
  private readonly extra: (() => string)[] = [];

  decision(channel: Channel, status: number, seconds: number): void {
    const row = this.decisions[channel === 'http' ? 0 : channel === 'ws' ? 1 : 2]!;
    if (status >= 100 && status < 700) row[status]!++;
    let i = 0;
    while (i < BOUNDS.length && seconds > BOUNDS[i]!) i++;
    this.buckets[i]!++;
    this.latencySum += seconds;
    this.latencyCount++;
  }

  addSource(render: () => string): void {
    this.extra.push(render);
  }

  render(): string {
    let out = '# HELP dialplane_decisions_total Routing decisions by channel and SIP status.\n# TYPE dialplane_decisions_total counter\n';
    CHANNELS.forEach((ch, k) => {
      const row = this.decisions[k]!;
      for (let s = 100; s < 700; s++) if (row[s]) out += `dialplane_decisions_total{channel="${ch}",status="${s}",outcome="${s === 302 ? 'routed' : 'rejected'}"} ${row[s]}\n`;
    });
    out += '# HELP dialplane_decision_seconds Time to decide one call (engine only).\n# TYPE dialplane_decision_seconds histogram\n';
    let cum = 0;
    for (let i = 0; i < BOUNDS.length; i++) {
      cum += this.buckets[i]!;
      out += `dialplane_decision_seconds_bucket{le="${BOUNDS[i]}"} ${cum}\n`;
    }
    cum += this.buckets[BOUNDS.length]!;
    out += `dialplane_decision_seconds_bucket{le="+Inf"} ${cum}\ndialplane_decision_seconds_sum ${this.latencySum}\ndialplane_decision_seconds_count ${this.latencyCount}\n`;
    out += `# HELP dialplane_artefact_serial Serial of the active artefact (-1: none).\n# TYPE dialplane_artefact_serial gauge\ndialplane_artefact_serial ${this.serial}\n`;
    out += `# HELP dialplane_artefact_loaded_timestamp_seconds When the active artefact was activated.\n# TYPE dialplane_artefact_loaded_timestamp_seconds gauge\ndialplane_artefact_loaded_timestamp_seconds ${this.loadedAtMs / 1000}\n`;
    out += `# HELP dialplane_artefact_swaps_total Artefacts activated.\n# TYPE dialplane_artefact_swaps_total counter\ndialplane_artefact_swaps_total ${this.swaps}\n`;
    out += `# HELP dialplane_artefact_refusals_total Artefacts refused (invalid, too large, unreadable).\n# TYPE dialplane_artefact_refusals_total counter\ndialplane_artefact_refusals_total ${this.refusals}\n`;
    out += `# HELP dialplane_http_bad_requests_total HTTP/WebSocket queries refused as malformed.\n# TYPE dialplane_http_bad_requests_total counter\ndialplane_http_bad_requests_total ${this.badRequests}\n`;
    for (const r of this.extra) out += r();
    return out;
  }
}
