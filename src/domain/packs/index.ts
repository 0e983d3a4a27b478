/** The five built-in policy packs, validated once when first asked for. */
import { DomainError } from '../errors.js';
import { parsePolicy, type Policy, type PolicyInput } from '../policy.js';
import { kpsspp } from './kpsspp.js';
import { miag } from './miag.js';
import { miet } from './miet.js';
import { nmat } from './nmat.js';
import { sil } from './sil.js';

const sources: Record<string, PolicyInput> = { miet, miag, kpsspp, sil, nmat };
const parsed = new Map<string, Policy>();

export const BUILT_IN_POLICY_IDS = Object.keys(sources);

export function builtInPolicy(id: string): Policy {
  let policy = parsed.get(id);
  if (!policy) {
    const source = sources[id];
    if (!source) throw new DomainError('UNKNOWN_POLICY', `unknown policy ${JSON.stringify(id)}; built-in policies are ${BUILT_IN_POLICY_IDS.join(', ')}, or give the path to a policy file`, 'policy');
    policy = parsePolicy(source, `built-in policy ${id}`);
    parsed.set(id, policy);
  }
  return policy;
}
