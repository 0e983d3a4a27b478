/** Shared input checking for the use cases: zod schemas in, AppError naming the field out. */
import { z } from 'zod';
import { tryDayNumber } from '../domain/dates.js';
import { fieldIssues } from '../domain/issues.js';
import { AppError } from './errors.js';

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const first = fieldIssues(r.error)[0]!;
  throw new AppError('INVALID_INPUT', `${first.field}: ${first.message}`, `invalid input: ${first.field}: ${first.message}`, first.field);
}

export const localDate = z.string().refine((s) => !Number.isNaN(tryDayNumber(s)), { message: 'expected a date like 2026-11-02 (YYYY-MM-DD)' });
export const id = z.string().trim().min(1, 'is required');
export const reason = z.string().trim().min(3, 'give a short reason');
/** The case version the person last saw: a change made meanwhile by someone else is refused, not overwritten. */
export const expectedVersion = z.number().int().nonnegative().optional();
