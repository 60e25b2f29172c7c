// Starts Swagger UI on the /docs page. It is a file, not an inline <script>,
// so the page's Content-Security-Policy can say `script-src 'self'` (see
// create-docs-handler.ts). The page names the OpenAPI document in
// `data-openapi-url`, so this file is the same for every deployment.
{
  const root = document.getElementById("ui");
  // SwaggerUIBundle is the global defined by swagger-ui-bundle.js, loaded just before.
  globalThis.SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#ui",
    deepLinking: true,
    // The default validator badge sends the document to validator.swagger.io.
    validatorUrl: null,
    // Ignore ?url= and ?configUrl=: a crafted link must not load another document.
    queryConfigEnabled: false,
    // One API, no URL bar: the standalone preset's top bar is not needed.
    presets: [globalThis.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    displayRequestDuration: true,
  });
}
