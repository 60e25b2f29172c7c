import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

/** EncodedBody is one representation of an asset, with its strong entity tag (RFC 9110 §8.8.3). */
export interface EncodedBody {
  readonly body: Buffer;
  readonly etag: string;
}

/** DocsAsset is one file of the docs page, held in memory with its HTTP metadata. */
export interface DocsAsset {
  readonly contentType: string;
  readonly identity: EncodedBody;
  /** The gzip representation, for text worth compressing; undefined otherwise. */
  readonly gzip: EncodedBody | undefined;
  /** Short content hash, put in asset URLs so `immutable` stays right across upgrades. */
  readonly version: string;
}

/** DocsAssets maps an asset's file name (the part after `/docs/assets/`) to the asset. */
export type DocsAssets = ReadonlyMap<string, DocsAsset>;

interface AssetSource {
  readonly dir: "swagger-ui-dist" | "ours";
  readonly contentType: string;
}

const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";
const PNG = "image/png";

/**
 * The allow-list: the only files `/docs/assets/` serves. Swagger UI's
 * standalone preset (its URL top bar), the ES bundles, source maps and
 * `index.html` are left out on purpose.
 */
const SOURCES: ReadonlyMap<string, AssetSource> = new Map([
  ["swagger-ui-bundle.js", { dir: "swagger-ui-dist", contentType: JS }],
  ["swagger-ui.css", { dir: "swagger-ui-dist", contentType: CSS }],
  ["index.css", { dir: "swagger-ui-dist", contentType: CSS }],
  ["favicon-32x32.png", { dir: "swagger-ui-dist", contentType: PNG }],
  ["favicon-16x16.png", { dir: "swagger-ui-dist", contentType: PNG }],
  ["init.js", { dir: "ours", contentType: JS }],
]);

/**
 * loadDocsAssets reads every allow-listed file once, at startup, and
 * precomputes its entity tag and gzip encoding, so serving one is a map
 * lookup and a write (STYLE.md 15). A missing file fails here, not on a
 * request.
 */
export function loadDocsAssets(): DocsAssets {
  const dirs = { "swagger-ui-dist": swaggerUiDistDir(), ours: ownAssetsDir() };
  const assets = new Map<string, DocsAsset>();
  for (const [name, source] of SOURCES) {
    const body = readFileSync(join(dirs[source.dir], name));
    assets.set(name, createDocsAsset(body, source.contentType));
  }
  return assets;
}

/** createDocsAsset wraps content already in memory (the rendered page) as an asset. */
export function createDocsAsset(body: Buffer, contentType: string): DocsAsset {
  const hash = createHash("sha256").update(body).digest("base64url");
  const gzip = contentType.startsWith("text/") ? gzipSync(body) : undefined;
  return {
    contentType,
    identity: { body, etag: `"${hash.slice(0, 27)}"` },
    // Each representation has its own tag; caches must not serve one for the other.
    // Not worth a second cache entry (and Vary) when compression saves little.
    gzip:
      gzip !== undefined && gzip.length < body.length * 0.9
        ? { body: gzip, etag: `"${hash.slice(0, 27)}-gzip"` }
        : undefined,
    version: hash.slice(0, 12),
  };
}

// The package has no `exports`, so its package.json resolves like any file.
function swaggerUiDistDir(): string {
  return dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
}

function ownAssetsDir(): string {
  return fileURLToPath(new URL("./assets/", import.meta.url));
}
