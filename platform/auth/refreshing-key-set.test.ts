import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { createRefreshingKeySet } from "./refreshing-key-set.js";
import { ensureDevSigningKey, loadSigningKeys, type SigningKeys } from "./signing-keys.js";
import { createTokenIssuer } from "./token-issuer.js";
import { createTokenVerifier } from "./token-verifier.js";

const audience = { issuer: "https://issuer.test", audience: "api.test" };
let keys: SigningKeys;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "pp-keyset-"));
  await ensureDevSigningKey(dir);
  keys = await loadSigningKeys(dir);
});

// A key set over a fetch that can be taken down, on a clock the test moves.
function keySetWithOutage() {
  const clock = { now: 0 };
  const state = { down: false, fetches: 0 };
  const keySet = createRefreshingKeySet(
    async () => {
      state.fetches++;
      if (state.down) throw new Error("identity unreachable");
      return keys.jwks;
    },
    { maxAgeMs: 1_000, cooldownMs: 100, maxStaleMs: 10_000, now: () => clock.now },
  );
  const verifier = createTokenVerifier({ ...audience, keys: keySet });
  const issuer = createTokenIssuer({ ...audience, keys, ttlSeconds: 600 });
  // A new token each time: the verifier answers a token it verified before
  // from its own cache, without the key set.
  const verifyNew = async () => verifier((await issuer.issue("u", [])).accessToken);
  return { clock, state, verifyNew };
}

describe("createRefreshingKeySet", () => {
  it("keeps verifying with the keys it has while the issuer cannot be asked, asking once per cooldown", async () => {
    const { clock, state, verifyNew } = keySetWithOutage();
    await verifyNew();
    expect(state.fetches).toBe(1);

    state.down = true;
    clock.now = 1_500; // stale: a refetch is due, and fails
    for (let i = 0; i < 5; i++) expect((await verifyNew()).subject).toBe("u");
    expect(state.fetches).toBe(2);

    clock.now = 1_650; // the cooldown has passed: one more attempt
    for (let i = 0; i < 5; i++) await verifyNew();
    expect(state.fetches).toBe(3);

    state.down = false;
    clock.now = 1_800;
    await verifyNew();
    expect(state.fetches).toBe(4);
    clock.now = 2_000; // fresh again: no fetch
    await verifyNew();
    expect(state.fetches).toBe(4);
  });

  it("stops trusting keys left stale for longer than maxStaleMs", async () => {
    const { clock, state, verifyNew } = keySetWithOutage();
    await verifyNew();
    state.down = true;
    clock.now = 1_000 + 10_001;
    await expect(verifyNew()).rejects.toThrow();
  });
});
