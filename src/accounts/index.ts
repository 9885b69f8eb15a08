/** Accounts: who signs in, with which role, and what they can do with their own data. */
export {
  AccountError,
  actorOf,
  authenticate,
  changePassword,
  changeRole,
  createUser,
  getProfile,
  isResetTokenValid,
  isVerificationTokenValid,
  listUsers,
  registerUser,
  requestPasswordReset,
  resetPassword,
  setUserActive,
  signIn,
  signOut,
  signOutEverywhere,
  updateProfile,
  verifyEmail,
  type AuthResult,
  type NewUser,
  type UserListItem,
} from "./users";
export { deleteAccount, exportUserData } from "./privacy";
export { guard, hasRole, backOfficeRole } from "./guard";
export { hitRateLimits, RateLimitedError, RATE_RULES, recipientKey, type RateRule } from "./rate-limit";
export { passwordProblem, PASSWORD_MIN_LENGTH } from "./password";
export { accountsCleanupJob } from "./cleanup";
export { resumeSession, SESSION_COOKIE_NAME } from "./session";
export * from "./schemas";
export type { SessionInfo, SessionUser } from "./types";
export { clientIp } from "./page-action";
export * from "./oidc";
