import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleEachOnce } from "../../platform/events/processed-events.js";
import { processedEvents, widgets } from "./db/schema.js";
import { openShopDatabase, type ShopDatabase } from "./shop-fixture.js";

describe("handleEachOnce", () => {
  let database: ShopDatabase;
  beforeAll(async () => {
    database = await openShopDatabase();
  });
  afterAll(() => database?.drop());

  // Each item adds its weight to one widget, so a second run shows.
  const item = (eventId: string, weight: number) => ({
    eventId,
    fn: async (tx: Parameters<Parameters<typeof handleEachOnce>[3][number]["fn"]>[0]) => {
      await tx
        .insert(widgets)
        .values({ widgetId: "w", shipped: weight })
        .onConflictDoUpdate({
          target: widgets.widgetId,
          set: { shipped: sql`${widgets.shipped} + ${weight}` },
        });
    },
  });
  const shipped = async () => (await database.db.select().from(widgets))[0]?.shipped;

  it("runs an event once even when a batch holds it twice, in another spelling too", async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const ran = await handleEachOnce(database.db, processedEvents, "ledger", [
      item(a, 1),
      item(a.toUpperCase(), 10),
      item(b, 100),
      item(b.replaceAll("-", ""), 1000),
    ]);
    expect(ran).toEqual([true, false, true, false]);
    expect(await shipped()).toBe(101);
    // Handled before: nothing runs, nothing changes.
    expect(await handleEachOnce(database.db, processedEvents, "ledger", [item(b, 5)])).toEqual([
      false,
    ]);
    expect(await shipped()).toBe(101);
  });

  it("records nothing when one handler throws", async () => {
    const [c, d] = [randomUUID(), randomUUID()];
    const failing = {
      eventId: d,
      fn: async () => {
        throw new Error("handler failed");
      },
    };
    await expect(
      handleEachOnce(database.db, processedEvents, "ledger", [item(c, 7), failing]),
    ).rejects.toThrow("handler failed");
    expect(await shipped()).toBe(101);
    expect(await handleEachOnce(database.db, processedEvents, "ledger", [item(c, 7)])).toEqual([
      true,
    ]);
    expect(await shipped()).toBe(108);
  });
});
