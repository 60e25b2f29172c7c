/** Entry point of the orders service: `node --import tsx services/orders/main.ts`. */
import { runService } from "../../platform/service/index.js";
import { ordersService } from "./orders-service.js";

await runService(ordersService);
