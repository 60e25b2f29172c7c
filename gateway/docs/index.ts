export {
  createDocsHandler,
  DOCS_CONTENT_SECURITY_POLICY,
  DOCS_PATH,
  type DocsHandler,
  type DocsHandlerOptions,
} from "./create-docs-handler.js";
