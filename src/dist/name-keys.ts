/**
 * Keys of the cluster's name bucket: a global name's structural key (`termKey`, equal exactly when
 * the names are equal terms) in base64url, which KV keys accept whatever the name holds.
 */

/** The bucket key of a name's structural key. */
export function keyOfTerm(term: string): string {
  return Buffer.from(term).toString("base64url");
}

/**
 * The structural key a bucket key stands for. Any key maps to some string: a key that is not the
 * canonical one of a name never matches an entry whose term re-encodes to it.
 */
export function termOfKey(key: string): string {
  return Buffer.from(key, "base64url").toString();
}
