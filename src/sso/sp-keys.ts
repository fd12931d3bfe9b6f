/**
 * The instance's SAML SP key pairs: created on first use, private keys sealed at rest, and
 * rotated in two steps so IdPs can pick up the new certificate from metadata first:
 * `begin` adds a `next` key (published beside the active one), `complete` makes it active
 * and keeps the old one as `previous` (still decrypts assertions already in flight).
 */
import type { SecretBox } from '../credentials/secret-box.ts';
import { generateSpKeyPair } from '../saml/sp-keys.ts';
import type { SpKeyUse, StoredSpKey } from '../store/repositories/sp-keys.ts';
import type { Store } from '../store/store.ts';

export interface SpKey {
  id: string;
  use: SpKeyUse;
  status: StoredSpKey['status'];
  certificatePem: string;
  privateKeyPem: string;
  notAfter: number;
}

export interface SpKeySet {
  /** Signs AuthnRequests. */
  signing: SpKey;
  /** Certificates published in metadata: active and, during a rotation, next. */
  publishedSigning: SpKey[];
  publishedEncryption: SpKey[];
  /** Private keys that may decrypt: active, next and previous. */
  decryption: SpKey[];
}

const USES: SpKeyUse[] = ['signing', 'encryption'];

function open(box: SecretBox, k: StoredSpKey): SpKey {
  return {
    id: k.id,
    use: k.use,
    status: k.status,
    certificatePem: k.certificatePem,
    privateKeyPem: box.open(k.privateKeySealed),
    notAfter: k.notAfter,
  };
}

async function addKey(
  store: Store,
  box: SecretBox,
  use: SpKeyUse,
  status: 'active' | 'next',
  commonName: string,
) {
  const pair = await generateSpKeyPair(`${commonName} SAML ${use}`);
  return store.spKeys.add({
    use,
    status,
    certificatePem: pair.certificatePem,
    privateKeySealed: box.seal(pair.privateKeyPem),
    notAfter: pair.notAfter,
  });
}

/** Loads the key set, generating the missing active keys (first start, or a new database). */
export async function loadSpKeys(store: Store, box: SecretBox, commonName: string): Promise<SpKeySet> {
  let stored = await store.spKeys.list();
  for (const use of USES) {
    if (!stored.some((k) => k.use === use && k.status === 'active')) {
      await addKey(store, box, use, 'active', commonName);
      stored = await store.spKeys.list();
    }
  }
  const keys = stored.map((k) => open(box, k));
  const of = (use: SpKeyUse, ...statuses: StoredSpKey['status'][]) =>
    keys.filter((k) => k.use === use && statuses.includes(k.status));
  return {
    signing: of('signing', 'active')[0]!,
    publishedSigning: of('signing', 'active', 'next'),
    publishedEncryption: of('encryption', 'active', 'next'),
    decryption: of('encryption', 'active', 'next', 'previous'),
  };
}

/** Starts (`begin`) or finishes (`complete`) a rotation of one key use. */
export async function rotateSpKey(
  store: Store,
  box: SecretBox,
  use: SpKeyUse,
  step: 'begin' | 'complete',
  commonName: string,
): Promise<void> {
  const stored = (await store.spKeys.list()).filter((k) => k.use === use);
  if (step === 'begin') {
    if (!stored.some((k) => k.status === 'next')) await addKey(store, box, use, 'next', commonName);
    return;
  }
  const next = stored.find((k) => k.status === 'next');
  if (!next) return;
  await store.transaction(async (tx) => {
    for (const k of stored) {
      if (k.status === 'previous') await tx.spKeys.delete(k.id);
      if (k.status === 'active') await tx.spKeys.setStatus(k.id, 'previous');
    }
    await tx.spKeys.setStatus(next.id, 'active');
  });
}
