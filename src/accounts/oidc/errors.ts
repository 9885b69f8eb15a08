/**
 * Why a SPID/CIE sign-in stopped. Each reason has an Italian page
 * (src/components/accounts/SignInProblem.astro) saying what to do next; the
 * `detail` is English, for the log only.
 */
export const SIGN_IN_PROBLEMS = {
  not_configured: 404,
  unknown_provider: 400,
  provider_unreachable: 502,
  invalid_chain: 502,
  cancelled: 400,
  provider_refused: 502,
  expired: 400,
  invalid_response: 502,
  wrong_acr: 403,
  missing_claims: 502,
  email_in_use: 409,
  identity_in_use: 409,
  deactivated: 403,
} as const;

export type SignInProblemCode = keyof typeof SIGN_IN_PROBLEMS;

export class SignInProblem extends Error {
  readonly status: number;
  constructor(
    readonly code: SignInProblemCode,
    readonly detail: string,
  ) {
    super(`${code}: ${detail}`);
    this.name = "SignInProblem";
    this.status = SIGN_IN_PROBLEMS[code];
  }
}
