/**
 * What a login trace may keep of an IdP's message: the decoded XML for the admin to read,
 * without signature values, certificates or encrypted payloads, and bounded in size.
 */
const MAX_TRACE_CHARS = 32_768;

const REDACTED_ELEMENTS = ['SignatureValue', 'X509Certificate', 'CipherValue', 'DigestValue'];

export function redactSamlXml(xml: string): string {
  let out = xml;
  for (const name of REDACTED_ELEMENTS) {
    const re = new RegExp(
      `(<(?:[A-Za-z0-9_.-]+:)?${name}\\b[^>]*>)[\\s\\S]*?(</(?:[A-Za-z0-9_.-]+:)?${name}>)`,
      'g',
    );
    out = out.replace(re, '$1[redacted]$2');
  }
  return out.length > MAX_TRACE_CHARS ? `${out.slice(0, MAX_TRACE_CHARS)}…[truncated]` : out;
}

/** Decodes a posted SAMLResponse for the trace only (never for validation); empty when not base64 text. */
export function decodeForTrace(samlResponse: string): string {
  if (samlResponse.length > 4 * MAX_TRACE_CHARS * 4) return '';
  const text = Buffer.from(samlResponse, 'base64').toString('utf8');
  return text.includes('<') ? redactSamlXml(text) : '';
}
