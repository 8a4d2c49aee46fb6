// The admin API's one shape for adding an account of a type: POST /accounts/<type> with that
// type's JSON body, answered 201 with the new account's view.
import { createRoute, z } from "@hono/zod-openapi";
import { jsonContent } from "./app.ts";
import { accountViewSchema } from "./schemas.ts";

export const accountResult = z.object({ account: accountViewSchema });

export function newAccountRoute<P extends string, B extends z.ZodType>(path: P, summary: string, schema: B) {
  return createRoute({
    method: "post",
    path,
    tags: ["accounts"],
    security: [{ adminJwt: [] }],
    summary,
    request: { body: { content: { "application/json": { schema } }, required: true } },
    responses: { 201: jsonContent(accountResult, "Created") },
  });
}
