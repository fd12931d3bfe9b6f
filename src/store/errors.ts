/** Storage errors the layers above switch on; engine-specific errors are translated here. */
export type StoreErrorCode = 'conflict' | 'not_found' | 'reference_missing';

export class StoreError extends Error {
  override name = 'StoreError';
  readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

interface EngineError {
  code?: unknown;
  errcode?: unknown;
  message?: unknown;
}

/** True for a unique/primary-key violation on SQLite (node:sqlite) or PostgreSQL (pg). */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as EngineError;
  if (e?.code === '23505') return true;
  return e?.errcode === 2067 || e?.errcode === 1555;
}

/** True for a foreign-key violation on either engine. */
export function isForeignKeyViolation(err: unknown): boolean {
  const e = err as EngineError;
  return e?.code === '23503' || e?.errcode === 787;
}

/** Runs a write and turns engine constraint errors into StoreErrors. */
export async function translateConstraints<T>(what: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (isUniqueViolation(err)) throw new StoreError('conflict', `${what} already exists`);
    if (isForeignKeyViolation(err))
      throw new StoreError('reference_missing', `${what} refers to a missing row`);
    throw err;
  }
}
