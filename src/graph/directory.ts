/**
 * The Directory port (src/app/ports.ts) over the Graph gateway: people and their managers from
 * Microsoft Entra ID. It is also the setup card's PeopleLookup (bot/setup.ts), so a head teacher
 * can type "hana.head@school.org.uk" and the school stores her directory id.
 *
 * - find: GET /users/{id|upn} (an email address that is not the UPN is found by mail); nobody
 *   by that name is null, not an error. Busy, permission and network failures are thrown on as
 *   the gateway's GraphError, whose message says what to do.
 * - findMany: the gateway's $batch (20 a batch; throttled inner requests sent again after their
 *   Retry-After); people no longer in the directory (deleted) are null.
 * - manager: null when they have none, or when they are no longer in the directory.
 * - lookup (setup card): as find, but a disabled account is refused with words the card shows.
 *
 * Logs carry counts, never names or addresses.
 */
import { AppError } from '../app/errors.js';
import type { Directory, DirectoryPerson } from '../app/ports.js';
import type { Log } from '../log.js';
import { GraphError } from './errors.js';
import type { DirectoryUser, GraphGateway } from './gateway.js';

export type DirectoryGateway = Pick<GraphGateway, 'getUser' | 'getUsers' | 'getManager'>;

export function toDirectoryPerson(u: DirectoryUser): DirectoryPerson {
  const email = u.mail ?? undefined;
  return { id: u.id, name: u.displayName || u.userPrincipalName || u.id, ...(email ? { email } : {}), enabled: u.accountEnabled };
}

const isNotFound = (e: unknown) => e instanceof GraphError && e.kind === 'notFound';

/** Also fits bot/setup.ts's PeopleLookup (by shape: src does not import the bot). */
export class GraphDirectory implements Directory {
  constructor(
    private readonly gateway: DirectoryGateway,
    private readonly log?: Log,
  ) {}

  async find(idOrEmail: string): Promise<DirectoryPerson | null> {
    try {
      return toDirectoryPerson(await this.gateway.getUser(idOrEmail));
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  async findMany(ids: string[]): Promise<Map<string, DirectoryPerson | null>> {
    const users = await this.gateway.getUsers(ids);
    const out = new Map<string, DirectoryPerson | null>();
    for (const [id, u] of users) out.set(id, u ? toDirectoryPerson(u) : null);
    this.log?.debug({ graph: 'findMany', asked: ids.length, missing: [...out.values()].filter((p) => p === null).length }, 'people read from the directory');
    return out;
  }

  async manager(id: string): Promise<DirectoryPerson | null> {
    try {
      const m = await this.gateway.getManager(id);
      return m ? toDirectoryPerson(m) : null;
    } catch (e) {
      // A person deleted from the directory has no manager to read.
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  /** For the setup card: the person, or null when nobody has that address; a disabled account is refused. */
  async lookup(idOrEmail: string): Promise<{ id: string; name: string; email?: string } | null> {
    const p = await this.find(idOrEmail);
    if (!p) return null;
    if (!p.enabled) {
      throw new AppError(
        'INVALID_INPUT',
        `${p.name} (${idOrEmail.trim()}) cannot hold a role: their account is disabled in your organisation's directory. Choose someone whose account is in use.`,
        `setup refused: directory account ${p.id} is disabled`,
        'people',
      );
    }
    return { id: p.id, name: p.name, ...(p.email ? { email: p.email } : {}) };
  }
}
