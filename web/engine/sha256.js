// The SHA-256 of some bytes as lowercase hex (WebCrypto), as bundle manifests write it.

/** @param {Uint8Array<ArrayBuffer>} data */
export async function sha256Hex(data) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}
