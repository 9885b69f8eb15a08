/** Retry policy shared by every queued message: alert deliveries and transactional mail. */

/** Attempts before a temporarily failing message is given up. */
export const MAX_SEND_ATTEMPTS = 8;
/** Longest wait between two attempts. */
export const RETRY_MAX_MS = 6 * 3_600_000;

/** Exponential backoff with "equal jitter": half fixed, half random, so retries spread out. */
export function retryDelay(cfg: { retryBaseMs: number; retryMaxMs: number }, attempts: number, random: number): number {
  const ceiling = Math.min(cfg.retryMaxMs, cfg.retryBaseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}
