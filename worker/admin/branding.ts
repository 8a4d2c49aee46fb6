// Branding (site name, logo, notice): the admin sets it; the login page, the admin UI's header
// and the public stats page read it from a public endpoint, which answers nothing else.
import { createRoute, z } from "@hono/zod-openapi";
import { services } from "../env.ts";
import { type Branding, brandingSchema } from "../keyspace/records/settings.ts";
import { type AdminApp, jsonContent } from "./app.ts";

/** Reached without a token (listed in index.ts's public paths). */
export const PUBLIC_BRANDING_PATH = "/admin/branding";

const brandingView = brandingSchema.omit({ v: true }).openapi("Branding");
// Without the record's defaults: a field left out keeps its value (zod's partial() would fill them in).
const shape = brandingSchema.shape;
const brandingBody = z
  .object({
    siteName: shape.siteName.unwrap().optional(),
    logoUrl: shape.logoUrl.unwrap().optional(),
    notice: shape.notice.unwrap().optional(),
  })
  .strict()
  .openapi("BrandingChanges");

const routes = {
  publicRead: createRoute({
    method: "get",
    path: "/branding",
    tags: ["settings"],
    summary: "Site name, logo and notice (public: the login and stats pages show them)",
    responses: { 200: jsonContent(brandingView, "Branding") },
  }),
  read: createRoute({
    method: "get",
    path: "/settings/branding",
    tags: ["settings"],
    security: [{ adminJwt: [] }],
    responses: { 200: jsonContent(brandingView, "Branding") },
  }),
  write: createRoute({
    method: "put",
    path: "/settings/branding",
    tags: ["settings"],
    security: [{ adminJwt: [] }],
    summary: "Change the branding; fields left out keep their value",
    request: { body: { content: { "application/json": { schema: brandingBody } }, required: true } },
    responses: { 200: jsonContent(brandingView, "Branding") },
  }),
};

const view = ({ v: _v, ...branding }: Branding) => branding;

export function registerBranding(app: AdminApp) {
  app.openapi(routes.publicRead, async (c) => {
    c.header("cache-control", "public, max-age=60");
    return c.json(view(await services(c.env).keyspace.settings.branding()), 200);
  });

  app.openapi(routes.read, async (c) =>
    c.json(view(await services(c.env).keyspace.settings.branding()), 200),
  );

  app.openapi(routes.write, async (c) => {
    const { keyspace } = services(c.env);
    const current = await keyspace.settings.branding();
    const next = brandingSchema.parse({
      ...current,
      ...c.req.valid("json"),
      updatedAt: new Date().toISOString(),
    });
    await keyspace.settings.putBranding(next);
    return c.json(view(next), 200);
  });
}
