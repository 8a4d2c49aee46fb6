// A stand-in for Anthropic's OAuth token endpoint (code exchange and refresh), so Claude OAuth
// accounts can be tested: it issues `fake-access-N` tokens, remembers which are valid, and
// counts requests so a test can prove refreshes are single-flight.

export interface OauthStats {
  tokenRequests: number;
  byGrant: Record<string, number>;
}

export interface TokenAnswer {
  status: number;
  body: unknown;
}

const ACCESS_PREFIX = "fake-access-";

export class FakeOauth {
  private issued = new Set<string>();
  private refreshTokens = new Set<string>();
  private counter = 0;
  stats: OauthStats = { tokenRequests: 0, byGrant: {} };

  reset(): void {
    this.issued.clear();
    this.refreshTokens.clear();
    this.stats = { tokenRequests: 0, byGrant: {} };
  }

  /** Our own access tokens must be current; any other bearer string is accepted as is. */
  accepts(bearer: string): boolean {
    return !bearer.startsWith(ACCESS_PREFIX) || this.issued.has(bearer);
  }

  token(body: unknown, expiresIn: number): TokenAnswer {
    this.stats.tokenRequests += 1;
    const fields = body && typeof body === "object" ? (body as Record<string, unknown>) : {};
    const grant = typeof fields.grant_type === "string" ? fields.grant_type : "missing";
    this.stats.byGrant[grant] = (this.stats.byGrant[grant] ?? 0) + 1;
    if (typeof fields.client_id !== "string" || fields.client_id === "") {
      return { status: 400, body: { error: "invalid_request", error_description: "client_id is required" } };
    }
    if (grant === "authorization_code") {
      const valid =
        typeof fields.code === "string" &&
        fields.code.startsWith("good-") &&
        typeof fields.code_verifier === "string";
      if (!valid)
        return { status: 400, body: { error: "invalid_grant", error_description: "bad code or verifier" } };
    } else if (grant === "refresh_token") {
      const token = typeof fields.refresh_token === "string" ? fields.refresh_token : "";
      // Refresh tokens we did not issue (imported ones) are accepted once, like a real first refresh.
      if (token === "" || token === "revoked") {
        return { status: 400, body: { error: "invalid_grant", error_description: "refresh token revoked" } };
      }
      this.refreshTokens.delete(token);
    } else {
      return { status: 400, body: { error: "unsupported_grant_type" } };
    }
    this.counter += 1;
    const access = `${ACCESS_PREFIX}${this.counter}-${Math.random().toString(36).slice(2, 10)}`;
    const refresh = `fake-refresh-${this.counter}`;
    this.issued.add(access);
    this.refreshTokens.add(refresh);
    return {
      status: 200,
      body: {
        token_type: "Bearer",
        access_token: access,
        refresh_token: refresh,
        expires_in: expiresIn,
        scope: "user:inference user:profile",
        account: { uuid: "fake-account", email_address: "fake@example.com" },
        organization: { uuid: "fake-org" },
      },
    };
  }
}
