/** What active health checks last learned about one deployment; routing reads it, the prober writes it. */
export interface DeploymentHealth {
  /** False once `unhealthy_after` probes in a row failed; routing skips the deployment until it recovers. */
  healthy: boolean;
  /**
   * Requests the upstream reported (waiting + running) at the last metrics scrape beyond those this gateway had in
   * flight then: load from other clients or gateway replicas. 0 when unknown or stale.
   */
  externalLoad: number;
}

/** A deployment's health as it starts: healthy (probes only ever take it out) with no outside load known. */
export function createDeploymentHealth(): DeploymentHealth {
  return { healthy: true, externalLoad: 0 };
}
