/**
 * `npx tsx bench/top-self-time.ts <file.cpuprofile> [n]` prints the functions
 * with the most self time in a V8 CPU profile, e.g. the one the benchmark
 * writes for the platform server with BENCH_PROFILE_DIR set. Self time is
 * where the core actually was, which is what a hot-path change can remove.
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { table } from "./report.js";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
  readonly hitCount?: number;
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
}

/** topSelfTime sums samples per function (name + file + line), largest first. */
export function topSelfTime(profile: Profile): { name: string; share: number }[] {
  const hits = new Map<string, number>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? ` ${shorten(url)}:${lineNumber + 1}` : "";
    const name = `${functionName || "(anonymous)"}${where}`;
    hits.set(name, (hits.get(name) ?? 0) + (node.hitCount ?? 0));
  }
  const total = profile.samples.length || 1;
  return [...hits]
    .map(([name, n]) => ({ name, share: n / total }))
    .sort((a, b) => b.share - a.share);
}

function shorten(url: string): string {
  const path = url.replace(/^file:\/\//, "");
  return path.startsWith("/") ? relative(process.cwd(), path) : path;
}

const [file, count = "25"] = process.argv.slice(2);
if (file) {
  const top = topSelfTime(JSON.parse(readFileSync(file, "utf8")) as Profile);
  console.log(
    table(
      ["function", "self"],
      top.slice(0, Number(count)).map((t) => [t.name, `${(t.share * 100).toFixed(1)}%`]),
    ),
  );
}
