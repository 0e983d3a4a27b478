/**
 * Vitest global setup: one database for the whole run. With MONGODB_URI set, tests use that
 * server; otherwise an in-memory embedded server (mongo-java-server) is built if needed, started
 * on a free port, and stopped at the end. Tests read the address with `inject('mongoUri')`.
 */
import type { TestProject } from 'vitest/node';
import { ensureEmbeddedBuilt, startEmbedded } from '../src/store/embedded/server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUri: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  const external = process.env.MONGODB_URI;
  if (external) {
    project.provide('mongoUri', external);
    return;
  }
  await ensureEmbeddedBuilt({ log: (m) => console.log(`[embedded database] ${m}`) });
  const server = await startEmbedded({ memory: true, port: 0 });
  project.provide('mongoUri', server.uri);
  return async () => {
    await server.stop();
  };
}
