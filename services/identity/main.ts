/** Entry point of the identity service: `node --import tsx services/identity/main.ts`. */
import { runService } from "../../platform/service/index.js";
import { identityService } from "./identity-service.js";

await runService(identityService);
