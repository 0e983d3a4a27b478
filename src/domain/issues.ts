import type { z } from 'zod';

export interface FieldIssue {
  field: string;
  message: string;
}

/** stages[1].clocks[0].unit: the path a person can find in their file. */
export function fieldPath(root: string, path: ReadonlyArray<PropertyKey>): string {
  let out = root;
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

/** Turns zod's issues into one line per wrong field, with what was expected. */
export function fieldIssues(error: z.ZodError, root = ''): FieldIssue[] {
  // A misspelt field explains the "missing" one that follows from it, so it goes first.
  const issues = [...error.issues].sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'));
  return issues.map((i) => {
    let message = i.message;
    if (i.code === 'invalid_type' && /received undefined/.test(message)) message = 'is required';
    else if (i.code === 'invalid_value' && 'values' in i) message = `expected one of ${(i.values as unknown[]).map(String).join(', ')}`;
    else if (i.code === 'unrecognized_keys') message = `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.join(', ')}`;
    return { field: fieldPath(root, i.path) || root || '(top level)', message };
  });
}
