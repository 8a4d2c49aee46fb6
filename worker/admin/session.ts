// Admin sessions: a short JWT (HS256, jose) signed with JWT_SECRET.
import { jwtVerify, SignJWT } from "jose";
import type { Config } from "../env.ts";
import { RelayError } from "../http/errors.ts";

const AUDIENCE = "edge-relay-admin";
const encoder = new TextEncoder();

export async function issueAdminToken(
  config: Config,
  username: string,
): Promise<{ token: string; expiresAt: string }> {
  const expiresAt = Math.floor(Date.now() / 1000) + config.ADMIN_SESSION_SECONDS;
  const token = await new SignJWT({ role: "admin" })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(username)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(expiresAt)
    .sign(encoder.encode(config.JWT_SECRET));
  return { token, expiresAt: new Date(expiresAt * 1000).toISOString() };
}

export async function verifyAdminToken(config: Config, authorization: string | undefined): Promise<string> {
  const token = authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
  if (!token) throw new RelayError("authentication", "Admin token required (Authorization: Bearer)");
  try {
    const { payload } = await jwtVerify(token, encoder.encode(config.JWT_SECRET), {
      audience: AUDIENCE,
      algorithms: ["HS256"],
    });
    if (payload.role !== "admin" || !payload.sub) throw new Error("not an admin token");
    return payload.sub;
  } catch {
    throw new RelayError("authentication", "Admin token is invalid or expired");
  }
}
