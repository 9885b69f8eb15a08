/**
 * The site's entity configuration (OpenID Federation 1.0), published at
 * /.well-known/openid-federation whether or not SPID/CIE is configured: it
 * is what the trust anchor and the providers read to know this relying party.
 */
import { SignJWT } from "jose";
import { config, operatorOf } from "@/config";
import { ENTITY_STATEMENT_TYPE } from "./federation";
import { activeKey, publicJwks } from "./keys";

/** Where providers send the person back (one address for SPID and CIE). */
export const CALLBACK_PATH = "/accesso/ritorno";
export const FEDERATION_PATH = "/.well-known/openid-federation";
/** One day: how long the trust anchor and providers may keep this configuration. */
export const ENTITY_CONFIGURATION_LIFETIME_S = 24 * 60 * 60;

/** The claims asked of every provider (the claims request parameter of OIDC Core, section 5.5). */
export const REQUESTED_CLAIMS = {
  id_token: { family_name: { essential: true }, given_name: { essential: true } },
  userinfo: {
    given_name: { essential: true },
    family_name: { essential: true },
    email: { essential: true },
    "https://attributes.eid.gov.it/fiscal_number": { essential: true },
  },
} as const;

export async function relyingPartyMetadata(): Promise<Record<string, unknown>> {
  const c = config();
  return {
    client_id: c.siteUrl,
    client_name: "Aggrega",
    application_type: "web",
    client_registration_types: ["automatic"],
    redirect_uris: [`${c.siteUrl}${CALLBACK_PATH}`],
    jwks: await publicJwks(["sig", "enc"]),
    grant_types: ["authorization_code"],
    response_types: ["code"],
    token_endpoint_auth_method: "private_key_jwt",
    token_endpoint_auth_signing_alg: "RS256",
    request_object_signing_alg: "RS256",
    id_token_signed_response_alg: "RS256",
    userinfo_signed_response_alg: "RS256",
    userinfo_encrypted_response_alg: "RSA-OAEP-256",
    userinfo_encrypted_response_enc: "A256GCM",
    scope: "openid profile email",
    claims: REQUESTED_CLAIMS,
    contacts: [c.OFFICE_EMAIL],
  };
}

/** The signed entity configuration (a JWT of type entity-statement+jwt). */
export async function entityConfiguration(now = Math.floor(Date.now() / 1000)): Promise<string> {
  const c = config();
  const operator = operatorOf(c);
  const { kid, alg, key } = await activeKey("federation");
  const authorityHints = c.identity?.authorityHints ?? [];
  const trustMarks = c.identity?.trustMarks ?? [];
  return new SignJWT({
    jwks: await publicJwks("federation"),
    // Both claims are left out rather than sent empty (OpenID Federation 1.0 forbids an empty authority_hints).
    ...(authorityHints.length > 0 ? { authority_hints: authorityHints } : {}),
    ...(trustMarks.length > 0 ? { trust_marks: trustMarks } : {}),
    metadata: {
      federation_entity: {
        organization_name: operator.name,
        homepage_uri: c.siteUrl,
        policy_uri: `${c.siteUrl}/privacy`,
        contacts: [operator.email],
      },
      openid_relying_party: await relyingPartyMetadata(),
    },
  })
    .setProtectedHeader({ alg, kid, typ: ENTITY_STATEMENT_TYPE })
    .setIssuer(c.siteUrl)
    .setSubject(c.siteUrl)
    .setIssuedAt(now)
    .setExpirationTime(now + ENTITY_CONFIGURATION_LIFETIME_S)
    .sign(key);
}
