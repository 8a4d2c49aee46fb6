// What an OpenAI account (API key or ChatGPT login) may hold besides its credentials: a model
// mapping (the original's `supportedModels` as a map), applied by relay/model-mapping.ts.
import { z } from "zod";
import { modelMappingSetting } from "../settings.ts";

export const openaiSettingsSchema = z.object({ modelMapping: modelMappingSetting.optional() }).strict();
