// The public stats API (/apiStats): a key owner's own usage, with the key alone.
import { apiBase } from "../lib/api-base.ts";
import { requestJson } from "../lib/http.ts";
import type { ModelPeriod, ModelStat, UserStats } from "./types.ts";

export async function userStats(apiKey: string): Promise<UserStats> {
  const answer = await requestJson<{ data: UserStats }>(apiBase(), "POST", "/apiStats/api/user-stats", {
    body: { apiKey },
  });
  return answer.data;
}

export async function userModelStats(apiKey: string, period: ModelPeriod): Promise<ModelStat[]> {
  const answer = await requestJson<{ data: ModelStat[] }>(
    apiBase(),
    "POST",
    "/apiStats/api/user-model-stats",
    {
      body: { apiKey, period },
    },
  );
  return answer.data;
}
