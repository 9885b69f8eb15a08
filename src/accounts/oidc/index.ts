/** SPID and CIE sign-in through the OpenID Connect Federation (relying party). */
export { entityConfiguration, relyingPartyMetadata, CALLBACK_PATH, FEDERATION_PATH } from "./entity";
export { SignInProblem, SIGN_IN_PROBLEMS, type SignInProblemCode } from "./errors";
export { resolveTrustChain, applyMetadataPolicy, fetchEntityConfiguration } from "./federation";
export { finishSignIn, identityConfig, isOfferedProvider, requestedAcr, startSignIn, verifyIdToken, STATE_COOKIE, SIGN_IN_LIFETIME_MS, FISCAL_NUMBER_CLAIM, type VerifiedIdentity } from "./flow";
export { completeIdentitySignIn, hasPassword, IDENTITY_METHOD_LABELS, linkedIdentity, unlinkIdentity, type LinkedIdentity } from "./accounts";
export { publicJwks, publishedKeys, rotateKeys, RETIRED_KEY_GRACE_MS } from "./keys";
export { SIGN_IN_PROBLEM_PAGES } from "./messages";
