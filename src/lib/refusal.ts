/**
 * The one error type of refusals meant for the person filling a form: the
 * message is Italian and safe to show, and `field` names the form field it
 * belongs to ("_form" for the form as a whole; a dotted path such as
 * "lots.2.region" is shown on its first segment). A refusal because of too
 * many attempts carries `retryAfterSeconds` (the page answers 429 with
 * Retry-After); `status` overrides the usual 422. Domain refusals (AccountError, PressError, CatalogWriteError,
 * SubscriptionError, RateLimitedError) are subclasses with no behaviour of
 * their own.
 */
export class Refusal extends Error {
  readonly retryAfterSeconds: number | undefined;
  /** HTTP status of the page that shows the refusal: 422 unless said otherwise (401, 403, 409, 429). */
  readonly status: number;

  constructor(
    message: string,
    readonly field = "_form",
    options: { retryAfterSeconds?: number; status?: number } = {},
  ) {
    super(message);
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.status = options.status ?? (options.retryAfterSeconds === undefined ? 422 : 429);
    this.name = "Refusal";
  }
}
