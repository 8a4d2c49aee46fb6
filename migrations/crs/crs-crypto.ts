// The original service's credential encryption, read side (CRS-REFERENCE §10): AES-256-CBC with
// key = scrypt(ENCRYPTION_KEY, salt of the platform, 32) (Node's defaults N=16384, r=8, p=1),
// stored as `hex(iv16):hex(ciphertext)`; a value in any other shape is plaintext. Bedrock accounts
// alone differ: key = sha256(ENCRYPTION_KEY), stored as an object {encrypted, iv} (its service's
// _encryptAwsCredentials), or in clear as {accessKeyId, …}.
import { createDecipheriv, createHash, scryptSync } from "node:crypto";

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

  /** Bedrock's AWS credentials object: decrypted JSON, or the object itself when in clear. */
  decryptBedrock(value: unknown): Record<string, unknown> {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      const v = value as Record<string, unknown>;
      if (typeof v.encrypted === "string" && typeof v.iv === "string") {
        try {
          const key = createHash("sha256").update(this.secret).digest();
          const decipher = createDecipheriv("aes-256-cbc", key, Buffer.from(v.iv, "hex"));
          const plain = Buffer.concat([decipher.update(Buffer.from(v.encrypted, "hex")), decipher.final()]);
          const parsed: unknown = JSON.parse(STRICT_UTF8.decode(plain));
          if (parsed && typeof parsed === "object") return parsed as Record<string, unknown>;
        } catch {
          // below
        }
        throw new CrsDecryptError("does not decrypt with the given --crs-encryption-key");
      }
      return v;
    }
    return {};
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
