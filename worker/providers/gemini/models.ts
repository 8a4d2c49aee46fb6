// The model list served at GET /gemini/v1beta/models, in Google's shape, without asking an upstream
// (the original answers from a fixed description too).
import { isRestricted } from "../model-patterns.ts";

const GEMINI_MODELS = [
  ["gemini-2.5-pro", "Gemini 2.5 Pro"],
  ["gemini-2.5-flash", "Gemini 2.5 Flash"],
  ["gemini-2.5-flash-lite", "Gemini 2.5 Flash-Lite"],
] as const;

export interface GeminiModel {
  name: string;
  version: string;
  displayName: string;
  description: string;
  inputTokenLimit: number;
  outputTokenLimit: number;
  supportedGenerationMethods: string[];
  thinking: boolean;
}

export function geminiModel(id: string, displayName = id): GeminiModel {
  return {
    name: `models/${id}`,
    version: "001",
    displayName,
    description: `${displayName} via edge-relay`,
    inputTokenLimit: 1_048_576,
    outputTokenLimit: 65_536,
    supportedGenerationMethods: ["generateContent", "streamGenerateContent", "countTokens"],
    thinking: true,
  };
}

/** The models a key may use: the fixed list minus the key's blacklist. */
export function geminiModelList(restricted: readonly string[]): { models: GeminiModel[] } {
  return {
    models: GEMINI_MODELS.filter(([id]) => !isRestricted(restricted, id)).map(([id, name]) =>
      geminiModel(id, name),
    ),
  };
}
