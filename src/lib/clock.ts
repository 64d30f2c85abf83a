// Time is handed to drivers, never read inside pure cores.
export interface Clock {
  /** Wall-clock milliseconds since the epoch. */
  nowMs(): number;
  /** Monotonic milliseconds (arbitrary origin). */
  monotonicMs(): number;
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
};
