import { OpenAPIHono } from "@hono/zod-openapi";
import type { Env } from "../env.ts";
import type { RelayVariables } from "../http/context.ts";
import { RelayError } from "../http/errors.ts";

export type AdminEnv = { Bindings: Env; Variables: RelayVariables & { adminUser: string } };

export function createAdminApp() {
  return new OpenAPIHono<AdminEnv>({
    // A body or parameter that fails its schema becomes a 400 naming the first bad field.
    defaultHook: (result) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        const where = issue?.path.length ? issue.path.join(".") : "body";
        throw new RelayError("invalid_request", `${where}: ${issue?.message ?? "invalid input"}`);
      }
    },
  });
}
export type AdminApp = ReturnType<typeof createAdminApp>;

export const jsonContent = <T>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});
