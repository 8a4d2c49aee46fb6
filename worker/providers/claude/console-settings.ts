// What a Claude Console account may hold besides its API key: a model mapping (the original's
// `supportedModels` as a map), applied by relay/model-mapping.ts.
import { z } from "zod";
import { modelMappingSetting } from "../settings.ts";

export const claudeConsoleSettingsSchema = z
  .object({ modelMapping: modelMappingSetting.optional() })
  .strict();
