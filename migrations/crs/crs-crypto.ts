// The original service's credential encryption, read side (CRS-REFERENCE §10): AES-256-CBC with
// key = scrypt(ENCRYPTION_KEY, salt of the platform, 32) (Node's defaults N=16384, r=8, p=1),
// stored as `hex(iv16):hex(ciphertext)`; a value in any other shape is plaintext.
import { createDecipheriv, scryptSync } from "node:crypto";

const ENCRYPTED = /^([0-9a-f]{32}):([0-9a-f]+)$/i;
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

export class CrsDecryptError extends Error {}

export class CrsCipher {
  private readonly secret: string;
  private readonly derived = new Map<string, Buffer>();

  constructor(encryptionKey: string) {
    this.secret = encryptionKey;
  }

  private key(salt: string): Buffer {
    let key = this.derived.get(salt);
    if (!key) {
      key = scryptSync(this.secret, salt, 32);
      this.derived.set(salt, key);
    }
    return key;
  }

  /**
   * The plaintext of a stored value. "" stays ""; a value that is not `iv:ciphertext` is returned
   * as it is (the original stores some values in clear). A value in that shape that does not
   * decrypt throws: the original would silently use the ciphertext as the secret.
   */
  decrypt(value: string, salt: string): string {
    const match = ENCRYPTED.exec(value);
    if (!match) return value;
    const [, iv = "", ciphertext = ""] = match;
    try {
      const decipher = createDecipheriv("aes-256-cbc", this.key(salt), Buffer.from(iv, "hex"));
      const plain = Buffer.concat([decipher.update(Buffer.from(ciphertext, "hex")), decipher.final()]);
      // A wrong key passes the padding check now and then; its output is then rarely UTF-8.
      return STRICT_UTF8.decode(plain);
    } catch {
      throw new CrsDecryptError("does not decrypt with the given --crs-encryption-key");
    }
  }
}
