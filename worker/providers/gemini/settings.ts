// What a Gemini account (API key or Google login) may hold besides its credentials: a model
// mapping (the original's `supportedModels` as a map), applied by relay/model-mapping.ts to the
// request body and to the model in the upstream path.
import { z } from "zod";
import { modelMappingSetting } from "../settings.ts";

export const geminiSettingsSchema = z.object({ modelMapping: modelMappingSetting.optional() }).strict();
