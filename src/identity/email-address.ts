/**
 * Whether an IdP's email claim has the shape of an address (RFC 5322 §3.4.1 addr-spec in its
 * dot-atom form, with RFC 6531's UTF-8 allowed): one "@", a local part and a domain, no spaces,
 * control characters or the specials that only a quoted local part may hold. The IdP signed the
 * value, but it becomes an account key and is shown on pages: a value with markup or spaces is
 * refused rather than stored (attacks.md W-HYG-1). Quoted local parts ("a b"@x) are refused too:
 * no identity provider issues them.
 */
const MAX_LENGTH = 254; // RFC 5321 §4.5.3.1.3: a path of 256 octets, less the angle brackets

// Excluded everywhere: whitespace, controls, and the RFC 5322 specials ( ) < > [ ] : ; @ \ , "
// (the single "@" is checked apart).
const ATOM = /^[^\s\p{Cc}()<>[\]:;@\\,"]+$/u;

export function plausibleEmail(email: string): boolean {
  if (email.length > MAX_LENGTH) return false;
  const at = email.indexOf('@');
  if (at <= 0 || at !== email.lastIndexOf('@') || at === email.length - 1) return false;
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (!ATOM.test(local) || !ATOM.test(domain)) return false;
  // dot-atom: no leading, trailing or doubled dots, in either part
  return !/^\.|\.$|\.\./.test(local) && !/^\.|\.$|\.\./.test(domain);
}
