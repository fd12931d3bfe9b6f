/** The "Method" section of bench:saml's report in docs/performance.md: what was measured, and how. */
import {
  CLOCK_SKEW_SECONDS,
  IN_PROCESS_SET,
  REWARM_REQUESTS,
  ROUNDS,
  type SamlOptions,
  USERS,
  WARMUP_REQUESTS,
} from './plan.ts';
import type { Results } from './report-tables.ts';
import { VALID_MINUTES } from './responses.ts';

export function methodText(r: Results, opts: SamlOptions): string {
  const acsRound = Math.floor((opts.responses - WARMUP_REQUESTS) / ROUNDS) - REWARM_REQUESTS;
  return [
    `- **Test vectors**: ${opts.responses} unsolicited Okta-like responses built with the response tests' builder (test/saml/response/support/builder.ts) and signed with xml-crypto before anything is timed (on worker threads): each with its own Response ID, Assertion ID and SessionIndex, Destination/Recipient/Audience exactly the configuration's ACS URL and SP entity ID, valid for ${VALID_MINUTES} minutes. ${USERS} users; a user's successive responses leave out a different one of the four groups that exist in Drawbridge, so every returning login adds one SSO group membership and removes another.`,
    `- **(a) Drawbridge ACS**: \`node src/main.ts\` on a fresh SQLite DATA_DIR and a loopback port (as bench:core starts it, without \`npm start\`'s memory flags), with \`SAML_ACS_RATE_LIMIT_PER_MINUTE=1000000\` since all the load comes from one address (the limiter still runs); an organisation, four groups with externalIds, and a SAML configuration (IdP metadata with the test IdP's certificate, \`allowIdpInitiated: true\`, \`requireSignedAssertion: true\`) created through the admin API. Every response is POSTed once as \`SAMLResponse=…\` to \`/api/v1/auth/saml/acme-okta/response/\`; every answer must be a 303 to the configuration's return URL with a session cookie, or the run fails. That is the whole login: validation, replay-cache claim, user lookup and update, group sync, session, login trace. A warm-up of ${WARMUP_REQUESTS} logins (each user created, then one returning login) is discarded; each timed round is preceded by ${REWARM_REQUESTS} discarded logins (the server sat idle while the other contenders ran) and sends up to ${acsRound} responses for at most ${opts.roundSeconds} s.`,
    `- **(b) node-saml**: \`new SAML({ audience, idpIssuer, idpCert, callbackUrl, wantAssertionsSigned: true, wantAuthnResponseSigned: true, validateInResponseTo: 'never', acceptedClockSkewMs: ${CLOCK_SKEW_SECONDS * 1000} })\`, \`validatePostResponseAsync({ SAMLResponse })\`; validation and profile extraction only (node-saml has no storage). It does not check Destination or Recipient.`,
    "- **(c) Ory Polis**: `controllers({ db: { engine: 'mem' }, idpEnabled: true, samlAudience: <SP entity ID>, noAnalytics: true, certs })`, one SAML connection from the same IdP metadata, `oauthController.samlResponse({ SAMLResponse })` without RelayState (the IdP-initiated flow): connection lookup, validation, profile mapping, authorization code stored in memory; the answer must be a redirect with a `code`. Polis does not check Destination or Recipient and keeps no replay cache.",
    `- **(d)** Drawbridge's \`validateResponse\` (src/saml/validate-response.ts) with the settings the ACS passes for this configuration; xml-crypto \`SignedXml.checkSignature\` of both signatures of a response with the configured certificate (\`getCertFromKeyInfo: () => null\`), the Signature nodes found beforehand (each call parses the document again, as xml-crypto does); an @xmldom/xmldom 0.9 \`DOMParser\` parse; one \`crypto.verify('sha256', …)\` of a 32-byte value with the IdP's RSA-2048 public key (a response needs two). The in-process contenders cycle through ${IN_PROCESS_SET} distinct responses.`,
    `- **Timing**: every contender gets one untimed warm-up (which also checks its answers), then ${ROUNDS} timed rounds of ${opts.roundSeconds} s; the rounds are interleaved (round 1 of every contender, then round 2, then round 3), so drift in the machine's load hits all of them alike. ops/s is the median of the rounds; µs/op is its inverse.`,
    `- **Forged and malformed**: \`validateResponse\` on (i) the valid response with one character of the Response's SignatureValue changed, (ii) the NameID edited after signing (the assertion's digest no longer matches), (iii) the response cut off at 60% (not well-formed), (iv) a validly signed response grown to ${(r.largeBytes / 1024).toFixed(0)} KiB with extra group values (over the 256 KiB default limit). Each must be refused with the code shown; "cost vs valid" is its µs per call divided by a valid response's.`,
    ...(r.profile
      ? [
          `- **Profile** (\`--profile\`): after the measurement, a second server is started under \`node --cpu-prof\` with the first one's BASE_URL and a fresh database, gets the same warm-up and then ${r.profile.seconds.toFixed(1)} s of the same ACS load; only the samples of that window are summarised (self time per function and per package, and inclusive time of Drawbridge's own functions). A CPU profile shows the time inside SQLite as one native call, so that server also preloads bench/saml/sqlite-timing.ts (\`--import\`), which times every node:sqlite statement call by SQL text over the same window; with WAL and synchronous=FULL a commit includes its fsync. The profiler slows the server down, so these are shares, not rates.`,
        ]
      : []),
  ].join('\n');
}
