/**
 * The gateway of `npm run bench:auth`: gateway/main.ts's startGateway,
 * configured from the environment as deployed. With BENCH_AUTH=off the
 * gateway's authenticator is replaced by one that returns no principal
 * (StartGatewayOptions.authenticate): no header read, no token verified,
 * no policy checked, so the route is served to anyone. Otherwise the
 * options are empty, exactly what gateway/main.ts passes.
 */
import { startGateway } from "../start-gateway.js";

const authOff = process.env["BENCH_AUTH"] === "off";
const gateway = await startGateway(process.env, authOff ? { authenticate: () => undefined } : {});
// Exit through process.exit so `node --cpu-prof` writes its profile.
const stop = () => gateway.stop().finally(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
