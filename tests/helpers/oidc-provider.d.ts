// oidc-provider ships no type declarations; the test peer uses its documented API.
declare module "oidc-provider";
