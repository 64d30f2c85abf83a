// Flap damping (Consul's StatusHandler): SuccessBeforePassing, FailuresBeforeWarning and
// FailuresBeforeCritical. Pure: it sees raw results and says which status, if any, to record.
//
// Both counters start at their thresholds, so the very first result is recorded at once. A passing or
// warning result counts as a success; a critical one as a failure. Each kind resets the other counter.
// A failure below the critical threshold but at or above the warning threshold is recorded as warning.
import type { CheckStatus } from '../../structs/catalog.js';

export interface DampingLimits {
  successBeforePassing: number;
  failuresBeforeWarning: number;
  failuresBeforeCritical: number;
}

/** Reads a definition's thresholds; FailuresBeforeWarning defaults to FailuresBeforeCritical. */
export function dampingLimits(d: {
  SuccessBeforePassing?: number;
  FailuresBeforeWarning?: number;
  FailuresBeforeCritical?: number;
}): DampingLimits {
  const critical = Math.max(0, d.FailuresBeforeCritical ?? 0);
  const warning = d.FailuresBeforeWarning === undefined || d.FailuresBeforeWarning === 0 ? critical : d.FailuresBeforeWarning;
  return {
    successBeforePassing: Math.max(0, d.SuccessBeforePassing ?? 0),
    failuresBeforeWarning: Math.max(0, warning),
    failuresBeforeCritical: critical,
  };
}

export class StatusDamper {
  private successes: number;
  private failures: number;

  constructor(private readonly limits: DampingLimits) {
    this.successes = limits.successBeforePassing;
    this.failures = limits.failuresBeforeCritical;
  }

  /** The status to record for this raw result, or null to record nothing yet. */
  next(status: CheckStatus): CheckStatus | null {
    const l = this.limits;
    if (status !== 'critical') {
      this.successes++;
      this.failures = 0;
      return this.successes >= l.successBeforePassing ? status : null;
    }
    this.failures++;
    this.successes = 0;
    if (this.failures >= l.failuresBeforeCritical) return 'critical';
    if (this.failures >= l.failuresBeforeWarning) return 'warning';
    return null;
  }
}
