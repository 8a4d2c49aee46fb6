// Portal sessions: a JWT (HS256, jose) signed with JWT_SECRET under its own audience, so an admin
// token is never a user token and a user token never an admin one.
import { jwtVerify, SignJWT } from "jose";
import type { Config } from "../env.ts";
import { RelayError } from "../http/errors.ts";

const AUDIENCE = "edge-relay-user";
const encoder = new TextEncoder();

export async function issueUserToken(
  config: Config,
  userId: string,
): Promise<{ token: string; expiresAt: string }> {
  const expiresAt = Math.floor(Date.now() / 1000) + config.USER_SESSION_SECONDS;
  const token = await new SignJWT({ role: "user" })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(userId)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(expiresAt)
    .sign(encoder.encode(config.JWT_SECRET));
  return { token, expiresAt: new Date(expiresAt * 1000).toISOString() };
}

/** The user id and issue time (epoch s) of a valid user token. */
export async function verifyUserToken(
  config: Config,
  authorization: string | undefined,
): Promise<{ userId: string; issuedAt: number }> {
  const token = authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
  if (!token) throw new RelayError("authentication", "Login required (Authorization: Bearer <token>)");
  try {
    const { payload } = await jwtVerify(token, encoder.encode(config.JWT_SECRET), {
      audience: AUDIENCE,
      algorithms: ["HS256"],
    });
    if (payload.role !== "user" || !payload.sub || payload.iat === undefined)
      throw new Error("not a user token");
    return { userId: payload.sub, issuedAt: payload.iat };
  } catch {
    throw new RelayError("authentication", "Session is invalid or expired; log in again");
  }
}
