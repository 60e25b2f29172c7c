import type { DocsAssets } from "./load-docs-assets.js";

/** DocsPageOptions is what the API reference page shows. */
export interface DocsPageOptions {
  readonly title: string;
  /** The OpenAPI document, a same-origin path. */
  readonly openapiUrl: string;
  /** Where the assets are served, e.g. `/docs/assets/`. */
  readonly assetsPath: string;
  readonly assets: DocsAssets;
}

/**
 * renderDocsPage returns the HTML of the API reference page. Everything it
 * loads is a same-origin asset and there is no inline script or style
 * attribute, so the page works offline under a strict CSP. Asset URLs carry
 * a content hash (`?v=`), which makes `Cache-Control: immutable` safe: a
 * new swagger-ui-dist version gets new URLs.
 */
export function renderDocsPage(options: DocsPageOptions): string {
  const url = (name: string) => escapeHtml(assetUrl(options, name));
  const title = escapeHtml(options.title);
  const openapiUrl = escapeHtml(options.openapiUrl);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="${url("swagger-ui.css")}">
<link rel="stylesheet" href="${url("index.css")}">
<link rel="icon" type="image/png" sizes="32x32" href="${url("favicon-32x32.png")}">
<link rel="icon" type="image/png" sizes="16x16" href="${url("favicon-16x16.png")}">
</head>
<body>
<noscript><p>${title}: this reference needs JavaScript. The OpenAPI document is at <a href="${openapiUrl}">${openapiUrl}</a>.</p></noscript>
<div id="ui" data-openapi-url="${openapiUrl}"></div>
<script src="${url("swagger-ui-bundle.js")}"></script>
<script src="${url("init.js")}"></script>
</body>
</html>
`;
}

function assetUrl(options: DocsPageOptions, name: string): string {
  const asset = options.assets.get(name);
  if (asset === undefined) throw new Error(`docs asset ${name} is not in the allow-list`);
  return `${options.assetsPath}${name}?v=${asset.version}`;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** escapeHtml makes text safe in HTML content and in double- or single-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}
