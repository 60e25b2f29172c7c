export { type DevCa, ensureDevCa } from "./dev-ca.js";
export { parseSubjectAltName, type SubjectAltName } from "./parse-subject-alt-name.js";
export {
  serviceNameFromSpiffeId,
  serviceNamePattern,
  spiffeIdForService,
  spiffeIdFromCert,
} from "./peer-identity.js";
export { ensureServiceCert, type ServiceCert, type ServiceCertOptions } from "./service-cert.js";
