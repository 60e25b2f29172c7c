/** ReadinessSample is one answer of `/health/ready`: its status, 0 when nothing answered. */
export interface ReadinessSample {
  readonly at: number;
  readonly status: number;
}

/** ReadinessRecorder polls a process's readiness until stopped. */
export interface ReadinessRecorder {
  readonly samples: readonly ReadinessSample[];
  /** Stops polling and resolves once the last probe has settled. */
  stop(): Promise<void>;
}

/**
 * recordReadiness asks `GET /health/ready` on the admin port every
 * `intervalMs` (one probe at a time) and records each answer with its time
 * (Date.now(), when the answer arrived), so a test can tell in which order
 * readiness turned 503, the port closed and the process exited.
 */
export function recordReadiness(adminPort: number, intervalMs = 20): ReadinessRecorder {
  const samples: ReadinessSample[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const status = await probe(adminPort);
      samples.push({ at: Date.now(), status });
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    samples,
    stop: () => {
      stopped = true;
      return loop;
    },
  };
}

async function probe(adminPort: number): Promise<number> {
  try {
    const res = await fetch(`http://127.0.0.1:${adminPort}/health/ready`, {
      signal: AbortSignal.timeout(1000),
    });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}
