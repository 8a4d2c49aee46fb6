/// <reference types="vite/client" />
// Every Redis call lives in worker/keyspace/: no other file of the Worker or its Durable Objects
// imports the client, reaches for `keyspace.redis`, sends a command or builds a key name. A new
// read or write gets a typed method in the keyspace's store for its family instead.
import { describe, expect, it } from "vitest";

const sources = import.meta.glob<string>(["../../worker/**/*.ts", "../../durable-objects/**/*.ts"], {
  query: "?raw",
  import: "default",
  eager: true,
});

const RAW_REDIS: Array<[string, RegExp]> = [
  ["imports the redis client", /from\s+"@upstash\/redis/],
  ["uses a redis client", /\.redis\b|\bredis\s*\.|\bconnectRedis\b|\{[^}=]*\bredis\b[^}=]*\}\s*=/],
  ["sends redis commands", /\.(pipeline|multi)\(\)|\.eval(sha)?\(/],
  ["builds keyspace key names", /^import\s+\{[^}]*\bkeys\b[^}]*\}\s+from\s+"[^"]*keyspace\/keys\.ts"/m],
];

/** Each match as `file:line what`. */
function offences(path: string, text: string): string[] {
  return RAW_REDIS.flatMap(([what, pattern]) =>
    [...text.matchAll(new RegExp(pattern.source, `${pattern.flags}g`))].map(
      (match) => `${path.slice("../../".length)}:${text.slice(0, match.index).split("\n").length} ${what}`,
    ),
  );
}

describe("the keyspace boundary", () => {
  const inKeyspace = (path: string) => path.startsWith("../../worker/keyspace/");
  const files = Object.entries(sources);

  it("reads the sources it guards (the rules find what keyspace/ itself does)", () => {
    expect(files.length).toBeGreaterThan(100);
    const keyspaceFiles = files.filter(([path]) => inKeyspace(path));
    expect(keyspaceFiles.flatMap(([path, text]) => offences(path, text)).length).toBeGreaterThan(0);
  });

  it("leaves every Redis call to worker/keyspace/", () => {
    const outside = files.filter(([path]) => !inKeyspace(path));
    expect(outside.flatMap(([path, text]) => offences(path, text))).toEqual([]);
  });
});
